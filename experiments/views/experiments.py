"""Experiment pages: the list, one experiment, register / edit a draft, launch and cancel (both ask first)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from experiments import permissions
from experiments.filters import ExperimentPageFilter
from experiments.forms import CancelForm, ExperimentForm, QuestionForm, apply_service_errors
from experiments.models import Experiment
from experiments.selectors import experiment_list as experiment_list_selector
from experiments.selectors import regulation_current
from experiments.services.experiments import (
    experiment_cancel,
    experiment_create,
    experiment_launch,
    experiment_update,
)
from experiments.views.charts import experiment_charts
from experiments.views.history import history_entries
from experiments.views.lock_display import lock_context
from experiments.views.targets import experiment_targets
from experiments.web_selectors import experiment_for_page, experiment_questions
from metrics.aggregates import reasons_by_count
from metrics.spend_display import spend_context
from tracker.errors import Conflict

PAGE_SIZE = 20
QUESTIONS_PAGE_SIZE = 20


def _get_experiment(pk: int) -> Experiment:
    try:
        return experiment_for_page(pk=pk)
    except Experiment.DoesNotExist as exc:
        raise Http404(_("There is no experiment with this number.")) from exc


def _computed(experiment: Experiment) -> dict | None:
    """The experiment's latest computed metrics, None before the first computation."""
    snapshot = getattr(experiment, "snapshot", None)
    return snapshot.data if snapshot is not None and snapshot.computed_at else None


@login_required
def experiment_list(request: HttpRequest) -> HttpResponse:
    filters = ExperimentPageFilter(request.GET, queryset=experiment_list_selector(user=request.user), request=request)
    # A bad value (an unknown channel, say) filters nothing rather than half of what was asked.
    filtered = filters.is_valid() and any(filters.form.cleaned_data.values())
    experiments = filters.qs if filtered else filters.queryset
    page = Paginator(experiments, PAGE_SIZE).get_page(request.GET.get("page"))
    current = regulation_current()
    today = timezone.localdate()
    rows = [
        {
            "experiment": e,
            "lock": lock_context(e, current_regulation=current),
            "targets": experiment_targets(e, _computed(e), today=today),
        }
        for e in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "experiments/list.html",
        {
            "form": filters.form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "filtered": filtered,
            "can_register": permissions.can_register_experiments(request.user),
        },
    )


@login_required
def experiment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = _get_experiment(pk)
    return render(request, "experiments/detail.html", detail_context(request, experiment))


def detail_context(request: HttpRequest, experiment: Experiment, question_form: QuestionForm | None = None) -> dict:
    """Everything the experiment page shows; `question_form` carries a refused question back to it."""
    user = request.user
    snapshot = getattr(experiment, "snapshot", None)
    metrics = _computed(experiment)
    lock = lock_context(experiment)
    reviews = list(experiment.reviews.all())
    questions = Paginator(experiment_questions(experiment=experiment), QUESTIONS_PAGE_SIZE).get_page(
        request.GET.get("questions")
    )
    return {
        "experiment": experiment,
        "lock": lock,
        "status": lock.status,
        "metrics": metrics,
        "computed_at": snapshot.computed_at if snapshot is not None else None,
        # New leads or spend arrived after the last computation; a job is recomputing them.
        "metrics_stale": snapshot is not None and snapshot.dirty_since is not None,
        "targets": experiment_targets(experiment, metrics),
        "non_target_reasons": reasons_by_count((metrics or {}).get("non_target_reasons")),
        "history": history_entries(experiment),
        "charts": experiment_charts(experiment, metrics, lock),
        "reviews": reviews[::-1],  # newest version first
        "review": reviews[-1] if reviews else None,
        "questions": questions.object_list,
        "questions_page": questions,
        "can_manage": permissions.can_manage_experiment(user, experiment),
        "can_review": permissions.can_file_reviews(user),
        "can_ask": permissions.can_ask_questions(user),
        "can_answer": permissions.can_answer_questions(user),
        "question_form": question_form or QuestionForm(),
        # The latest spend rows with their totals, and the form to add one for those allowed.
        "spend": spend_context(user, experiment),
        "spend_next": reverse("web:experiment-detail", args=[experiment.pk]) + "#spend",
    }


def _form_page(request: HttpRequest, form: ExperimentForm, experiment: Experiment | None) -> HttpResponse:
    regulation = regulation_current()
    form.fields["test_period_days"].widget.attrs["placeholder"] = str(regulation.default_test_period_days)
    return render(request, "experiments/form.html", {"form": form, "experiment": experiment})


@login_required
def experiment_create_view(request: HttpRequest) -> HttpResponse:
    if not permissions.can_register_experiments(request.user):
        raise PermissionDenied(_("Only marketers, marketing heads and administrators can register experiments."))
    form = ExperimentForm(request.POST or None, initial={"start_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            experiment = experiment_create(by=request.user, **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The draft is saved. Launch it when the test starts."))
            return redirect("web:experiment-detail", pk=experiment.pk)
    return _form_page(request, form, None)


@login_required
def experiment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    experiment = _get_experiment(pk)
    if not permissions.can_manage_experiment(request.user, experiment):
        raise PermissionDenied(_("Only the owner, a marketing head or an administrator can edit this experiment."))
    form = ExperimentForm(request.POST or None, initial=ExperimentForm.initial_for(experiment))
    if request.method == "POST" and form.is_valid():
        try:
            experiment_update(experiment=experiment, by=request.user, **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The draft is updated."))
            return redirect("web:experiment-detail", pk=experiment.pk)
    return _form_page(request, form, experiment)


def _may_manage(request: HttpRequest, experiment: Experiment) -> None:
    if not permissions.can_manage_experiment(request.user, experiment):
        raise PermissionDenied(
            _("Only the experiment's owner, a marketing head or an administrator can change this experiment.")
        )


def _refusals_as_messages(request: HttpRequest, exc: Conflict | ValidationError) -> None:
    for message in [exc.message] if isinstance(exc, Conflict) else exc.messages:
        messages.error(request, message)


@login_required
@require_http_methods(["GET", "POST"])
def experiment_launch_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm (what launching pins and freezes); POST launches."""
    experiment = _get_experiment(pk)
    if request.method == "GET":
        _may_manage(request, experiment)
        if experiment.status != Experiment.Status.DRAFT:
            messages.info(request, _("This experiment is not a draft: there is nothing to launch."))
            return redirect("web:experiment-detail", pk=pk)
        return render(
            request,
            "experiments/launch_confirm.html",
            {"experiment": experiment, "regulation": regulation_current()},
        )
    try:
        experiment_launch(experiment=experiment, by=request.user)
    except (Conflict, ValidationError) as exc:
        _refusals_as_messages(request, exc)
    else:
        messages.success(request, _("Launched: the test period has started."))
    return redirect("web:experiment-detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def experiment_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancelling asks why; the reason is stored with the experiment and shown in its history."""
    experiment = _get_experiment(pk)
    _may_manage(request, experiment)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            experiment_cancel(experiment=experiment, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except Conflict as exc:
            _refusals_as_messages(request, exc)
            return redirect("web:experiment-detail", pk=pk)
        else:
            messages.success(request, _("The experiment is cancelled."))
            return redirect("web:experiment-detail", pk=pk)
    return render(request, "experiments/cancel_form.html", {"experiment": experiment, "form": form})
