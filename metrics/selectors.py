"""Reads of lead data and metrics: snapshots, imports, daily charts and the scoreboard."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from experiments.models import Channel, Experiment
from experiments.permissions import Role
from metrics.aggregates import merge_counts, period_counts, periods_counts, reasons_by_count
from metrics.formulas import metrics_from_counts, zones
from metrics.models import ImportJob, ImportProfile, Lead, MetricSnapshot, Spend
from metrics.rows import utm_key
from tracker.local_time import local_midnight


def snapshot_get(*, experiment: Experiment) -> MetricSnapshot | None:
    return MetricSnapshot.objects.filter(experiment=experiment).first()


def snapshot_data(data: dict | None) -> dict:
    """A snapshot's metrics as they are read: the non-target reasons most frequent first (PostgreSQL
    keeps a stored JSON object's keys in an order of its own), and present as `{}` in a snapshot
    computed before they were counted, until its next recompute."""
    data = dict(data or {})
    data["non_target_reasons"] = dict(reasons_by_count(data.get("non_target_reasons")))
    return data


def import_jobs() -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("created_by")


def import_profiles() -> QuerySet[ImportProfile]:
    return ImportProfile.objects.select_related("created_by").order_by("name")


def leads_list() -> QuerySet[Lead]:
    return Lead.objects.select_related("channel", "source_user").order_by("-created_at", "-id")


def spend_list() -> QuerySet[Spend]:
    return Spend.objects.select_related("experiment", "created_by")


def experiment_spend(*, experiment: Experiment) -> QuerySet[Spend]:
    """The experiment's spend rows as its page lists them: latest date first."""
    return Spend.objects.filter(experiment=experiment).select_related("created_by").order_by("-date", "-id")


@dataclass(frozen=True)
class SpendTotals:
    marketing: Decimal
    sales: Decimal
    visits: int
    rows: int


def experiment_spend_totals(*, experiment: Experiment) -> SpendTotals:
    """The sums of all the experiment's spend rows by kind, in one query."""
    sums = Spend.objects.filter(experiment=experiment).aggregate(
        marketing=Sum("amount", filter=Q(kind=Spend.Kind.MARKETING)),
        sales=Sum("amount", filter=Q(kind=Spend.Kind.SALES)),
        visits=Sum("visits"),
        rows=Count("id"),
    )
    return SpendTotals(
        marketing=sums["marketing"] or Decimal("0.00"),
        sales=sums["sales"] or Decimal("0.00"),
        visits=sums["visits"] or 0,
        rows=sums["rows"],
    )


def cohort_condition(experiment: Experiment) -> Q:
    """The leads of an experiment's cohort (metrics.md): its utm_campaign (trimmed, any case),
    created on a local date within its test period. An indexed lookup (`lead_attribution`)."""
    return Q(
        utm_key=utm_key(experiment.utm_campaign),
        created_date__gte=experiment.start_date,
        created_date__lt=experiment.ends_on,
    )


def cohort_leads(*, experiment: Experiment) -> QuerySet[Lead]:
    """The experiment's leads, newest first, with what their list shows."""
    return leads_list().filter(cohort_condition(experiment))


def lead_stage_counts(leads: QuerySet[Lead], conditions: dict[str, Q]) -> dict[str, int]:
    """How many of `leads` meet each named condition, and `all` of them, in one aggregate query."""
    counts = {name: Count("id", filter=condition) for name, condition in conditions.items()}
    return leads.order_by().aggregate(all=Count("id"), **counts)


def experiment_daily_leads(*, experiment: Experiment) -> list[dict]:
    """Leads of the cohort per local creation date, for the experiment page's charts."""
    rows = (
        Lead.objects.filter(cohort_condition(experiment))
        .values("created_date")
        .annotate(
            leads=Count("id"),
            non_target=Count("id", filter=Q(is_target=False)),
            judged=Count("id", filter=Q(is_target__isnull=False)),
        )
        .order_by("created_date")
    )
    return [
        {"date": r["created_date"], "leads": r["leads"], "non_target": r["non_target"], "judged": r["judged"]}
        for r in rows
    ]


def lead_sources(*, experiment: Experiment) -> list[dict[str, Any]]:
    """Who supplied the experiment's judged leads: one item per source, most non-target first.

    `{"user": username | null, "name": display name | null, "role": "sales_head" | ... | "admin" |
    null, "import": import job id | null, "file": its file name | null, "judged_leads": n,
    "non_target_leads": k}`. A lead came through the API when `import` is null; `user` is null for
    leads written before sources were recorded (or whose user is gone). Plain JSON, so that an
    unlock keeps it as it was (`ReviewUnlock.sources`). Four queries at most, whatever the cohort.
    """
    rows = list(
        Lead.objects.filter(
            utm_key=utm_key(experiment.utm_campaign),
            created_date__gte=experiment.start_date,
            created_date__lt=experiment.ends_on,
            is_target__isnull=False,
        )
        .values("source_user_id", "source_import_id")
        .annotate(judged=Count("id"), non_target=Count("id", filter=Q(is_target=False)))
        .order_by()
    )
    user_ids = {row["source_user_id"] for row in rows} - {None}
    import_ids = {row["source_import_id"] for row in rows} - {None}
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids).prefetch_related("groups")}
    files = dict(ImportJob.objects.filter(pk__in=import_ids).values_list("id", "original_name")) if import_ids else {}
    items: list[dict[str, Any]] = []
    for row in rows:
        user, import_id = users.get(row["source_user_id"]), row["source_import_id"]
        items.append(
            {
                "user": user.username if user else None,
                "name": (user.get_full_name() or user.username) if user else None,
                "role": _role_of(user),
                "import": import_id,
                "file": files.get(import_id) if import_id is not None else None,
                "judged_leads": row["judged"],
                "non_target_leads": row["non_target"],
            }
        )
    items.sort(key=lambda i: (-i["non_target_leads"], -i["judged_leads"], i["name"] or "", i["import"] or 0))
    return items


def _role_of(user: User | None) -> str | None:
    """The user's first role in the order of `Role` (a user may hold several), "admin" for staff
    without one."""
    if user is None:
        return None
    names = {group.name for group in user.groups.all()}
    for role in Role.values:
        if role in names:
            return role
    return "admin" if user.is_staff else None


def _zone_payload(counts: dict) -> dict:
    metrics = metrics_from_counts(counts, churn_base=int(counts.get("active_customers_at_start") or 0))
    marketing, sales = zones(metrics)
    sales["active_customers_at_start"] = int(counts.get("active_customers_at_start") or 0)
    return {"marketing": marketing, "sales": sales}


def scoreboard(*, date_from: dt.date, date_to: dt.date, channel: Channel | str | None = None) -> dict:
    """The department scoreboard over [date_from, date_to) (metrics.md, scoreboards).

    `channel` (a Channel or its slug) narrows everything to that channel. `by_channel` lists
    each channel with activity in the period; leads of no channel appear with `"channel": null`.
    """
    if isinstance(channel, str):
        channel = Channel.objects.get(slug=channel)
    groups = period_counts(
        date_from=date_from, date_to=date_to, start=local_midnight(date_from), end=local_midnight(date_to)
    )
    if channel is not None:
        groups = {channel.id: groups.get(channel.id, {})}
    slugs = dict(Channel.objects.filter(id__in=[k for k in groups if k is not None]).values_list("id", "slug"))
    by_channel = [
        {"channel": slugs.get(channel_id), **_zone_payload(groups[channel_id])}
        for channel_id in sorted(groups, key=lambda k: (k is None, slugs.get(k, "")))
    ]
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "channel": channel.slug if channel is not None else None,
        "computed_at": timezone.now().isoformat(),
        **_zone_payload(merge_counts(list(groups.values()))),
        "by_channel": by_channel,
    }


def scoreboard_totals(*, periods: list[tuple[dt.date, dt.date]]) -> dict[tuple[dt.date, dt.date], dict]:
    """The department totals of `scoreboard` (its marketing and sales zones, every channel
    together, no `by_channel`) for many periods at once, by (date_from, date_to): what goals read."""
    wanted = list(dict.fromkeys(periods))
    counts = periods_counts([(a, b, local_midnight(a), local_midnight(b)) for a, b in wanted])
    now = timezone.now().isoformat()
    return {
        (a, b): {"from": a.isoformat(), "to": b.isoformat(), "channel": None, "computed_at": now, **_zone_payload(c)}
        for (a, b), c in zip(wanted, counts, strict=True)
    }
