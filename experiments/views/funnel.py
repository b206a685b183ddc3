"""The experiment's funnel: leads → judged target → MQL → SQL → customers, each step with its count,
its conversion from the previous step and from the leads, and what it lost (count and share). The
page shows it as a chart and as a table, the chart's tooltips in the table's words, and each step
links to its leads."""

from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from metrics import formatting
from metrics.catalog import metric
from metrics.filters import LEAD_STAGES

# The funnel's steps (metrics.md counts) and the lead stage each links to on the leads page.
FUNNEL = (
    ("leads_total", ""),
    ("judged_target", "target"),  # judged_leads - non_target_leads: sales called them target leads
    ("mql", "mql"),
    ("sql", "sql"),
    ("customers", "customer"),
)


def _step_label(key: str, stage: str) -> str:
    entry = metric(key)
    return str(entry.label if entry is not None else LEAD_STAGES[stage][0])


def funnel_steps(metrics: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each step of the funnel with its count, its conversion from the previous step and from the
    first, and what it lost against the previous step (count and share).

    The steps count leads that reached them, each by its own date (metrics.md): a lead may become
    an MQL before sales judge it, so a step can hold more leads than the one before. Then its
    conversion is above 100% and nothing is lost.
    """
    numbers = metrics or {}
    counts = {key: int(numbers.get(key) or 0) for key, _stage in FUNNEL if key != "judged_target"}
    counts["judged_target"] = int(numbers.get("judged_leads") or 0) - int(numbers.get("non_target_leads") or 0)
    first = counts["leads_total"]
    steps: list[dict[str, Any]] = []
    for key, stage in FUNNEL:
        count = counts[key]
        previous = steps[-1]["count"] if steps else None
        lost = previous - count if previous is not None and previous >= count else None
        steps.append(
            {
                "key": key,
                "stage": stage,
                "label": _step_label(key, stage),
                "count": count,
                "from_previous": Fraction(count, previous) if previous else None,
                "from_first": Fraction(count, first) if first and steps else None,
                "lost": lost,
                "lost_share": Fraction(lost, previous) if lost is not None and previous else None,
            }
        )
    return steps


def step_tooltip(step: dict[str, Any]) -> list[str]:
    """The lines of a funnel bar's tooltip, formatted as in the table beside the chart."""
    if step["from_previous"] is None and step["from_first"] is None:
        return []
    lines = [
        _("From the previous step: %(share)s") % {"share": formatting.percent(step["from_previous"])},
        _("From leads: %(share)s") % {"share": formatting.percent(step["from_first"])},
    ]
    if step["lost"] is not None:
        lines.append(
            _("Lost: %(count)s (%(share)s)")
            % {"count": formatting.count(step["lost"]), "share": formatting.percent(step["lost_share"])}
        )
    return lines
