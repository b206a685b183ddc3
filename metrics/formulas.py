"""metrics.md as one pure function: counts in, the API payload out.

The database computes the counts (one aggregate query, see `metrics.aggregates`); every rate and
money ratio is derived here, so that the experiment page, the scoreboard and the tests agree on
one definition. A ratio with a zero denominator is `None` (JSON null), never 0.
"""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from metrics.aggregates import reasons_by_count
from metrics.catalog import MARKETING, SALES, zone_metrics
from tracker.numbers import parse_decimal

CENT = Decimal("0.01")

# The inputs: what the aggregate query counts and sums. Which metrics exist and which zone lists
# them is `metrics.catalog`; `metrics_from_counts` answers every one of its names.
COUNT_FIELDS = (
    "leads_total",
    "judged_leads",
    "non_target_leads",
    "mql",
    "sql",
    "customers",
    "sql_customers",
    "orders",
    "visits",
    "churned_customers",
)
MONEY_FIELDS = ("revenue", "marketing_spend", "sales_spend")


def money(value) -> Decimal:
    """A sum from the database (Decimal, float on SQLite, or None) as an exact 2-place Decimal."""
    if value is None:
        return Decimal("0.00")
    if not isinstance(value, Decimal):
        value = parse_decimal(value)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def rate(numerator, denominator) -> float | None:
    # Exact division then one rounding to float: the same number whatever the input types.
    if not denominator:
        return None
    if isinstance(numerator, int) and isinstance(denominator, int):
        return numerator / denominator  # int / int is correctly rounded in Python
    return float(Fraction(numerator) / Fraction(denominator))


def money_ratio(numerator: Decimal, denominator) -> str | None:
    if not denominator:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP))


def metrics_from_counts(counts: dict, *, churn_base: int | None = None) -> dict:
    """Every count and metric of metrics.md from the raw counts.

    `counts` holds COUNT_FIELDS (ints), MONEY_FIELDS (sums), `churn_reasons` and
    `non_target_reasons` ({reason: n}; the latter most frequent first).
    `churn_base` is the churn rate's denominator: the cohort's customers for an experiment (the
    default), customers active at the period start for a scoreboard.
    """
    c = {name: int(counts.get(name) or 0) for name in COUNT_FIELDS}
    revenue = money(counts.get("revenue"))
    marketing_spend = money(counts.get("marketing_spend"))
    sales_spend = money(counts.get("sales_spend"))
    base = c["customers"] if churn_base is None else churn_base
    reasons = {str(k): int(v) for k, v in sorted((counts.get("churn_reasons") or {}).items())}
    non_target_reasons = {str(k): int(v) for k, v in reasons_by_count(counts.get("non_target_reasons"))}
    return {
        **c,
        "revenue": str(revenue),
        "marketing_spend": str(marketing_spend),
        "sales_spend": str(sales_spend),
        "non_target_share": rate(c["non_target_leads"], c["judged_leads"]),
        "non_target_reasons": non_target_reasons,
        "cr_mql_sql": rate(c["sql"], c["mql"]),
        "cr_sql_customer": rate(c["sql_customers"], c["sql"]),
        "cpl": money_ratio(marketing_spend, c["leads_total"]),
        "cac": money_ratio(marketing_spend, c["customers"]),
        "cac_full": money_ratio(marketing_spend + sales_spend, c["customers"]),
        "lcr": rate(c["sql"], c["leads_total"]),
        "cr_overall": rate(c["customers"], c["leads_total"]),
        "cr_visit_customer": rate(c["customers"], c["visits"]),
        "aov": money_ratio(revenue, c["orders"]),
        "churn_rate": rate(c["churned_customers"], base),
        "churn_reasons": reasons,
        "romi": rate(revenue - marketing_spend, marketing_spend),
    }


def zones(metrics: dict) -> tuple[dict, dict]:
    """The marketing and sales zones of a scoreboard from one flat metrics dict (`metrics.catalog`)."""
    marketing, sales = ({m.name: metrics[m.name] for m in zone_metrics(zone)} for zone in (MARKETING, SALES))
    return marketing, sales
