"""The regulation: the version in force and every earlier version, with who changed what."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from experiments import permissions
from experiments.models import ChannelThreshold, Regulation
from experiments.selectors import regulation_list


def _changes(version: Regulation, previous: Regulation | None) -> list[str]:
    """Verbose names of the fields this version changed against the one before it."""
    if previous is None:
        return []
    changed = [
        str(Regulation._meta.get_field(name).verbose_name)
        for name in Regulation.RULE_FIELDS
        if getattr(version, name) != getattr(previous, name)
    ]
    before = {t.channel_id: t.non_target_threshold for t in previous.channel_thresholds.all()}
    after = {t.channel_id: t.non_target_threshold for t in version.channel_thresholds.all()}
    if before != after:
        changed.append(str(ChannelThreshold._meta.verbose_name_plural))
    return changed


@login_required
def regulation_page(request: HttpRequest) -> HttpResponse:
    versions = list(regulation_list())
    history = [
        {"regulation": version, "changes": _changes(version, versions[i + 1] if i + 1 < len(versions) else None)}
        for i, version in enumerate(versions)
    ]
    return render(
        request,
        "experiments/regulation.html",
        {
            "current": versions[0] if versions else None,
            "history": history,
            "is_admin": permissions.can_change_regulation(request.user),
        },
    )
