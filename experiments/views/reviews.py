"""The review form: the lock state in plain words, and a form that the service refuses while locked.

Filing cannot be undone (an amendment adds a version, it does not replace one), so the form asks
first: a valid form is shown back as a summary to confirm (`review_confirm.html`); a small script
shows the same summary in a dialog and skips that page. Once a review is filed the same page
amends it: a new version, the filed ones stay as they are.
"""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from experiments import permissions
from experiments.forms import ReviewForm, apply_service_errors
from experiments.models import Experiment, Review
from experiments.services.reviews import review_amend, review_amend_check, review_file, review_file_check
from experiments.views.lock_display import lock_context
from experiments.web_selectors import experiment_for_page
from metrics.aggregates import reasons_by_count
from tracker.errors import Conflict


def _initial(latest: Review | None) -> dict:
    if latest is None:
        return {}  # nothing preselected: the filer picks the verdict and the recommendation
    return {name: getattr(latest, name) for name in ReviewForm.SERVICE_FIELDS}


def _refused(form: ReviewForm, call) -> bool:
    """Run a service call; its refusals land on the form. Returns whether it refused."""
    try:
        call()
    except ValidationError as exc:
        apply_service_errors(form, exc)
    except Conflict as exc:
        form.add_error(None, exc.message)
    else:
        return False
    return True


def non_target_reasons_of(experiment: Experiment) -> list[tuple[str, int]]:
    """The latest computed non-target reasons of the experiment, most frequent first."""
    snapshot = getattr(experiment, "snapshot", None)
    data = snapshot.data if snapshot is not None and snapshot.computed_at else {}
    return reasons_by_count(data.get("non_target_reasons"))


@login_required
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        experiment = experiment_for_page(pk=pk)
    except Experiment.DoesNotExist as exc:
        raise Http404(_("There is no experiment with this number.")) from exc
    reviews = list(experiment.reviews.all())
    latest = reviews[-1] if reviews else None
    form = ReviewForm(request.POST or None, initial=_initial(latest))
    lock = lock_context(experiment)
    context = {
        "experiment": experiment,
        "lock": lock,
        "status": lock.status,
        "form": form,
        "review": latest,
        "can_review": permissions.can_file_reviews(request.user),
        # What sales said while judging the leads, beside the field on why leads did not buy.
        "non_target_reasons": non_target_reasons_of(experiment),
    }
    if request.method == "POST" and form.is_valid():
        fields, by = form.service_fields(), request.user
        # Everything that may refuse (role, lock, state) is decided by the services, race-safe; the
        # summary step asks them first, so that it never offers to confirm what filing would refuse.
        if latest is None:
            check = partial(review_file_check, experiment=experiment, by=by, **fields)
            write = partial(review_file, experiment=experiment, by=by, **fields)
        else:
            check = partial(review_amend_check, review=latest, by=by, **fields)
            write = partial(review_amend, review=latest, by=by, **fields)
        if form.cleaned_data["confirmed"]:
            if not _refused(form, write):
                if latest is None:
                    messages.success(request, _("The review is filed. Thank you for judging by the numbers."))
                else:
                    messages.success(request, _("The amendment is filed as a new version of the review."))
                return redirect("web:experiment-detail", pk=experiment.pk)
        elif "edit" not in request.POST and not _refused(form, check):
            return render(request, "experiments/review_confirm.html", context)
    return render(request, "experiments/review_form.html", context)
