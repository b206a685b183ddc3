"""An experiment's spend: the list, adding, correcting and deleting a row."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from experiments.forms import apply_service_errors
from experiments.models import Experiment
from metrics.forms import SpendForm
from metrics.models import Spend
from metrics.permissions import SPEND_REFUSAL, can_change_spend, spend_kinds_allowed
from metrics.services.spend import spend_row_create, spend_row_delete, spend_row_update
from metrics.spend_display import spend_context, spend_form


def _experiment_or_404(pk: int) -> Experiment:
    experiment = Experiment.objects.select_related("channel", "owner").filter(pk=pk).first()
    if experiment is None:
        raise Http404(_("There is no experiment with this number."))
    return experiment


def _spend_or_404(pk: int) -> Spend:
    spend = Spend.objects.select_related("experiment__owner", "created_by").filter(pk=pk).first()
    if spend is None:
        raise Http404(_("There is no spend row with this number."))
    return spend


def _back(request: HttpRequest, experiment: Experiment) -> str:
    """Where a change returns to: the page it came from (`next`, on this site), else the experiment's
    spend section."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:experiment-detail", args=[experiment.pk]) + "#spend"


@login_required
@require_http_methods(["GET", "POST"])
def spend_list(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: every spend row of the experiment, a page at a time. POST: add a row (from this page or
    the experiment's); a refused row comes back here with its errors."""
    experiment = _experiment_or_404(pk)
    form = None
    if request.method == "POST":
        form = spend_form(request.user, experiment, request.POST)
        if form is None:
            raise PermissionDenied(SPEND_REFUSAL)
        if form.is_valid():
            try:
                spend_row_create(experiment=experiment, by=request.user, **form.service_fields())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The spend is added; the metrics are recomputed in a few seconds."))
                return redirect(_back(request, experiment))
    context = spend_context(request.user, experiment, page_number=request.GET.get("page"), form=form)
    return render(
        request,
        "metrics/spend.html",
        {
            "experiment": experiment,
            "spend": context,
            # A refused row keeps where it came from; a row added here comes back here.
            "spend_next": _back(request, experiment) if request.method == "POST" else request.get_full_path(),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _spend_to_change(request: HttpRequest, pk: int) -> Spend:
    spend = _spend_or_404(pk)
    if not can_change_spend(request.user, spend.experiment, spend.kind):
        raise PermissionDenied(SPEND_REFUSAL)
    return spend


@login_required
@require_http_methods(["GET", "POST"])
def spend_edit(request: HttpRequest, pk: int) -> HttpResponse:
    spend = _spend_to_change(request, pk)
    experiment = spend.experiment
    kinds = spend_kinds_allowed(request.user, experiment)
    form = SpendForm(request.POST or None, kinds=kinds, initial=SpendForm.initial_for(spend))
    if request.method == "POST" and form.is_valid():
        try:
            spend_row_update(spend=spend, by=request.user, **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The spend row is saved; the metrics are recomputed in a few seconds."))
            return redirect(_back(request, experiment))
    return render(
        request,
        "metrics/spend_form.html",
        {"experiment": experiment, "spend": spend, "form": form, "back": _back(request, experiment)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def spend_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm (the page a browser without the dialog's script gets); only a POST deletes."""
    spend = _spend_to_change(request, pk)
    experiment = spend.experiment
    if request.method == "POST":
        spend_row_delete(spend=spend, by=request.user)
        messages.success(request, _("The spend row is deleted; the metrics are recomputed in a few seconds."))
        return redirect(_back(request, experiment))
    return render(
        request,
        "metrics/spend_delete.html",
        {"experiment": experiment, "spend": spend, "back": _back(request, experiment)},
    )
