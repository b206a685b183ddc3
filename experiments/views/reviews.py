"""The review form: the lock state in plain words, and a form that the service refuses while locked.

Once a review is filed the same page amends it: a new version, the filed ones stay as they are.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from experiments import permissions
from experiments.forms import ReviewForm, apply_service_errors
from experiments.models import Experiment, Review
from experiments.services.reviews import review_amend, review_file
from experiments.views.lock_display import lock_view
from experiments.web_selectors import experiment_for_page
from metrics.aggregates import reasons_by_count
from tracker.errors import Conflict


def _initial(latest: Review | None) -> dict:
    if latest is None:
        return {}
    return {name: getattr(latest, name) for name in ("verdict", "summary", "loss_reasons", "recommendation")}


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
    if request.method == "POST" and form.is_valid():
        # Everything that may refuse (role, lock, state) is decided by the service, race-safe.
        try:
            if latest is None:
                review_file(experiment=experiment, by=request.user, **form.cleaned_data)
            else:
                review_amend(review=latest, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            if latest is None:
                messages.success(request, _("The review is filed. Thank you for judging by the numbers."))
            else:
                messages.success(request, _("The amendment is filed as a new version of the review."))
            return redirect("web:experiment-detail", pk=experiment.pk)
    lock = lock_view(experiment)
    return render(
        request,
        "experiments/review_form.html",
        {
            "experiment": experiment,
            "lock": lock,
            "status": lock.status,
            "form": form,
            "review": latest,
            "can_review": permissions.can_file_reviews(request.user),
            # What sales said while judging the leads, beside the field on why leads did not buy.
            "non_target_reasons": non_target_reasons_of(experiment),
        },
    )
