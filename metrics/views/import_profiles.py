"""Import profiles: the sources remembered with their answers (a preview proposes a profile for a
file with the same columns, and updates it when asked), and deleting one."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from metrics.forms import source_field_label
from metrics.models import ImportProfile
from metrics.permissions import can_import_data
from metrics.selectors import import_profiles
from metrics.services import import_profile_delete
from metrics.sources.presets import BY_KIND, LEVEL_LABELS
from metrics.views.imports import IMPORT_REFUSAL

PROFILES_PAGE_SIZE = 20


def profile_rows(profiles: list[ImportProfile]) -> list[dict[str, Any]]:
    """What the list says of each profile: its source, its columns by our fields' names, its levels
    in words."""
    return [
        {
            "profile": profile,
            "source": preset.label if (preset := BY_KIND.get((profile.kind, profile.preset))) else "",
            "columns": [(source_field_label(profile.kind, name), header) for name, header in profile.mapping.items()],
            "stages": [(value, LEVEL_LABELS.get(level, level)) for value, level in profile.stages.items()],
            "reasons": list(profile.reasons),
            "campaigns": list(profile.campaigns.items()),
        }
        for profile in profiles
    ]


@login_required
def import_profile_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(import_profiles(), PROFILES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "metrics/import_profiles.html",
        {"page": page, "profiles": profile_rows(list(page.object_list)), "can_import": can_import_data(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_profile_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm (the page a browser without the dialog's script gets); only a POST deletes."""
    if not can_import_data(request.user):
        raise PermissionDenied(IMPORT_REFUSAL)
    profile = import_profiles().filter(pk=pk).first()
    if profile is None:
        raise Http404(_("There is no import profile with this number."))
    if request.method == "POST":
        import_profile_delete(profile=profile)
        messages.success(request, _("The profile “%(name)s” is deleted.") % {"name": profile.name})
        return redirect("web:import-profile-list")
    return render(request, "metrics/import_profile_delete.html", {"profile": profile})
