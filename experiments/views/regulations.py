"""The regulation: the version in force and every earlier version (a page at a time), with who
changed what."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from experiments import permissions
from experiments.models import ChannelThreshold, Regulation
from experiments.selectors import regulation_current, regulation_list

HISTORY_PAGE_SIZE = 20


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
    page = Paginator(regulation_list(), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    versions = list(page.object_list)
    # What the page's oldest version changed is read against the version before it, on the next page.
    before = regulation_list().filter(version__lt=versions[-1].version).first() if versions else None
    following = [*versions[1:], before]
    history = [
        {"regulation": version, "first": previous is None, "changes": _changes(version, previous)}
        for version, previous in zip(versions, following, strict=True)
    ]
    return render(
        request,
        "experiments/regulation.html",
        {
            "current": versions[0] if page.number == 1 and versions else regulation_current(),
            "history": history,
            "page": page,
            "is_admin": permissions.can_change_regulation(request.user),
        },
    )
