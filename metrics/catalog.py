"""Every metric of metrics.md in one table: its name, label, department, kind and good direction.

The formulas stay in the SQL (`metrics.aggregates`) and in `metrics.formulas`; which metrics exist,
which scoreboard zone lists them, how people read them, whether a goal or an experiment target may
name them, all of that is read from here by the scoreboard, goals, targets, agendas, charts, the API
and the templates. A metric added to `CATALOG` (with its formula) appears on all of them.

The order of `CATALOG` is the order of every listing: each scoreboard zone lists its metrics in it,
and so do the goal choices and the target fields.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MARKETING = "marketing"
SALES = "sales"
ZONES = (MARKETING, SALES)

COUNT = "count"  # an integer
MONEY = "money"  # a 2-place decimal string in JSON
RATE = "rate"  # a fraction (JSON number), shown as percent; null without a denominator
BREAKDOWN = "breakdown"  # {key: count}, not a number (churn reasons, non-target reasons)
KINDS = (COUNT, MONEY, RATE, BREAKDOWN)
DIRECTIONS = ("at_least", "at_most")  # the goal API's words for higher / lower is better

Label = str | Promise


@dataclass(frozen=True)
class Target:
    """An optional experiment target on a metric: the experiment's `min_<metric>` or `max_<metric>`."""

    bound: str  # "min" | "max"
    label: Label


@dataclass(frozen=True)
class Metric:
    name: str
    label: Label
    zone: str  # the department judged by it (a goal's zone)
    kind: str
    # Which way is good: True for volumes and conversions, False for costs, non-target share and
    # churn; None for a breakdown.
    higher_is_better: bool | None
    scoreboard_zones: tuple[str, ...]  # the scoreboard zones that list it (a zone may show another's metric)
    short_label: Label | None = None  # where a table column or a tile has little room
    # A rate that is a share of something lies in 0..1; ROMI is a rate that can be negative or above 1.
    share: bool = True
    targets: tuple[Target, ...] = ()
    # Among the few metrics of a review that a meeting agenda shows (docs/api.md, "Meeting agendas").
    in_review_summary: bool = False
    # A money sum that grows through a period as a count does (revenue, spend), unlike a ratio.
    money_sum: bool = False
    # A cost or return computed from the marketing spend: without spend it means nothing (not 0).
    needs_spend: bool = False

    def __post_init__(self) -> None:
        if self.zone not in ZONES or not set(self.scoreboard_zones) <= set(ZONES) or self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown zone or kind")
        if (self.kind == BREAKDOWN) != (self.higher_is_better is None):
            raise ValueError(f"{self.name}: a number has a good direction, a breakdown has none")
        for target in self.targets:
            # Targets are typed per kind (api.md); a rate target is a share in 0..1.
            if target.bound not in ("min", "max") or self.kind == BREAKDOWN or (self.kind == RATE and not self.share):
                raise ValueError(f"{self.name}: a target needs min/max on a count, money or share")

    @property
    def is_number(self) -> bool:
        """A scalar: a scoreboard row, and a metric a founder goal may name."""
        return self.kind != BREAKDOWN

    @property
    def accumulates(self) -> bool:
        """Grows through a period (counts and money sums): judged mid-period against a prorated target."""
        return self.kind == COUNT or self.money_sum

    @property
    def direction(self) -> str | None:
        """The goal API's word for the good direction: `at_least` or `at_most`."""
        if self.higher_is_better is None:
            return None
        return DIRECTIONS[0] if self.higher_is_better else DIRECTIONS[1]

    @property
    def short(self) -> Label:
        return self.short_label or self.label


@dataclass(frozen=True)
class TargetField:
    """A target as forms, serializers and the targets table use it (`max_cpl` on `cpl`)."""

    name: str
    metric: Metric
    bound: str
    label: Label

    @property
    def kind(self) -> str:
        return self.metric.kind

    def met(self, actual: Decimal, target: Decimal) -> bool:
        return actual <= target if self.bound == "max" else actual >= target


# Which way is good, and which scoreboard zones list a metric.
HIGHER, LOWER = True, False
_M, _S, _BOTH = (MARKETING,), (SALES,), (MARKETING, SALES)


class _Summary(TypedDict):
    """The keyword `**_SUMMARY` gives a metric: one of a review's few that a meeting agenda shows."""

    in_review_summary: bool


class _MoneySum(TypedDict):
    """`**_SUM`: a money metric that sums over days (spend, revenue), so a pace applies to it."""

    money_sum: bool


class _NeedsSpend(TypedDict):
    """`**_SPEND`: a metric that means nothing without marketing spend (CPL, CAC, ROMI)."""

    needs_spend: bool


_SUMMARY: _Summary = {"in_review_summary": True}
_SUM: _MoneySum = {"money_sum": True}
_SPEND: _NeedsSpend = {"needs_spend": True}


def _min(label: Label) -> tuple[Target]:
    return (Target("min", label),)


def _max(label: Label) -> tuple[Target]:
    return (Target("max", label),)


CATALOG: tuple[Metric, ...] = (
    Metric("leads_total", _("Leads"), MARKETING, COUNT, HIGHER, _BOTH, **_SUMMARY),
    Metric("judged_leads", _("Judged leads"), MARKETING, COUNT, HIGHER, _M),
    Metric("non_target_leads", _("Non-target leads"), MARKETING, COUNT, LOWER, _M),
    Metric(
        "non_target_share",
        _("Non-target share"),
        MARKETING,
        RATE,
        LOWER,
        _M,
        short_label=_("Non-target"),
        targets=_max(_("Max non-target share")),
        **_SUMMARY,
    ),
    Metric("non_target_reasons", _("Non-target reasons"), MARKETING, BREAKDOWN, None, _M),
    Metric("mql", "MQL", MARKETING, COUNT, HIGHER, _M, targets=_min(_("Min MQL")), **_SUMMARY),
    Metric("sql", "SQL", MARKETING, COUNT, HIGHER, _BOTH, targets=_min(_("Min SQL")), **_SUMMARY),
    Metric("customers", _("Customers"), SALES, COUNT, HIGHER, _BOTH, targets=_min(_("Min customers")), **_SUMMARY),
    Metric("sql_customers", _("Customers from SQL"), SALES, COUNT, HIGHER, _BOTH),
    Metric("orders", _("Orders"), SALES, COUNT, HIGHER, _S),
    Metric("visits", _("Visits"), MARKETING, COUNT, HIGHER, _S),
    Metric("cr_mql_sql", _("MQL → SQL"), MARKETING, RATE, HIGHER, _M),
    Metric("lcr", _("Lead → SQL (LCR)"), SALES, RATE, HIGHER, _S),
    Metric("cr_overall", _("Lead → purchase"), SALES, RATE, HIGHER, _S, **_SUMMARY),
    Metric("cr_sql_customer", _("SQL → purchase"), SALES, RATE, HIGHER, _BOTH),
    Metric("cr_visit_customer", _("Visit → purchase"), SALES, RATE, HIGHER, _S),
    Metric("revenue", _("Revenue"), SALES, MONEY, HIGHER, _S, targets=_min(_("Min revenue")), **_SUMMARY, **_SUM),
    Metric("aov", _("Average order value"), SALES, MONEY, HIGHER, _S),
    # In the review summary so that an agenda can tell a cost without spend ("no spend data").
    Metric("marketing_spend", _("Marketing spend"), MARKETING, MONEY, LOWER, _M, in_review_summary=True, **_SUM),
    Metric("sales_spend", _("Sales spend"), SALES, MONEY, LOWER, _M, **_SUM),
    Metric(
        "cpl",
        _("Cost per lead (CPL)"),
        MARKETING,
        MONEY,
        LOWER,
        _M,
        short_label="CPL",
        targets=_max(_("Max CPL")),
        **_SUMMARY,
        **_SPEND,
    ),
    Metric(
        "cac",
        _("Customer acquisition cost (CAC)"),
        MARKETING,
        MONEY,
        LOWER,
        _M,
        short_label="CAC",
        targets=_max(_("Max CAC")),
        **_SUMMARY,
        **_SPEND,
    ),
    Metric("cac_full", _("CAC, fully loaded"), MARKETING, MONEY, LOWER, _M, **_SPEND),
    Metric("romi", "ROMI", MARKETING, RATE, HIGHER, _M, share=False, **_SPEND),
    Metric("churned_customers", _("Churned customers"), SALES, COUNT, LOWER, _S),
    Metric("churn_rate", _("Churn rate"), SALES, RATE, LOWER, _S),
    Metric("churn_reasons", _("Churn reasons"), SALES, BREAKDOWN, None, _S),
)


def metric(name: str) -> Metric | None:
    """The catalog entry of `name`, or None for a name the catalog lacks (an old stored goal, say)."""
    for entry in CATALOG:
        if entry.name == name:
            return entry
    return None


def metric_names() -> tuple[str, ...]:
    return tuple(entry.name for entry in CATALOG)


def zone_metrics(zone: str) -> tuple[Metric, ...]:
    """The metrics a scoreboard zone lists, breakdowns included, in catalog order."""
    return tuple(entry for entry in CATALOG if zone in entry.scoreboard_zones)


def goal_metrics() -> tuple[Metric, ...]:
    """The metrics a founder goal may name: every number of the scoreboard."""
    return tuple(entry for entry in CATALOG if entry.is_number)


def goal_metric(name: str) -> Metric | None:
    entry = metric(name)
    return entry if entry is not None and entry.is_number else None


def target_fields() -> tuple[TargetField, ...]:
    """The optional targets of an experiment, in catalog order."""
    return tuple(
        TargetField(f"{target.bound}_{entry.name}", entry, target.bound, target.label)
        for entry in CATALOG
        for target in entry.targets
    )


def target_field(name: str) -> TargetField | None:
    return next((field for field in target_fields() if field.name == name), None)


def review_summary_metrics() -> tuple[str, ...]:
    return tuple(entry.name for entry in CATALOG if entry.in_review_summary)
