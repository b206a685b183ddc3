"""Who supplied an experiment's judged leads, in words: for the lock box, the review form and the
unlock notice. The numbers come from `metrics.selectors.lead_sources` (live) or from the unlock that
kept them (`ReviewUnlock.sources`).
"""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from experiments.permissions import Role
from metrics import formatting


def source_who(source: dict[str, Any]) -> str:
    """ "Sergey Petrov (sales head)", or a plain name without a role, or "an unknown user"."""
    if not source.get("name"):
        return _("Unknown user")
    role = source.get("role")
    if role == "admin":
        label = _("administrator")
    elif role in Role.values:
        label = str(Role(role).label).lower()
    else:
        return str(source["name"])
    return _("%(name)s (%(role)s)") % {"name": source["name"], "role": label}


def source_line(source: dict[str, Any]) -> str:
    """One source with its counts, e.g. "Sergey (sales head): 10 judged leads via the API, 10 of
    them non-target"."""
    n, k = source["judged_leads"], source["non_target_leads"]
    numbers = {
        "who": source_who(source),
        "n": formatting.count(n),
        "k": formatting.count(k),
        "file": source.get("file") or "?",
    }
    if source.get("import") is not None:
        return (
            ngettext(
                "%(who)s: %(n)s judged lead from the import “%(file)s”, %(k)s of them non-target",
                "%(who)s: %(n)s judged leads from the import “%(file)s”, %(k)s of them non-target",
                n,
            )
            % numbers
        )
    if source.get("user") is None:
        return (
            ngettext(
                "Unknown source: %(n)s judged lead, %(k)s of them non-target",
                "Unknown source: %(n)s judged leads, %(k)s of them non-target",
                n,
            )
            % numbers
        )
    return (
        ngettext(
            "%(who)s: %(n)s judged lead via the API, %(k)s of them non-target",
            "%(who)s: %(n)s judged leads via the API, %(k)s of them non-target",
            n,
        )
        % numbers
    )


def source_lines(sources: list[dict[str, Any]]) -> list[str]:
    return [source_line(source) for source in sources]
