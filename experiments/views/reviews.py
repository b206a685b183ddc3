"""The review form: the lock state in plain words, and a form that the service refuses while locked."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from experiments import roles
from experiments.forms import ReviewForm, apply_service_errors
from experiments.models import Experiment
from experiments.services.reviews import review_file
from experiments.views.lock_display import lock_view
from experiments.web_selectors import experiment_for_page
from tracker.errors import Conflict


@login_required
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        experiment = experiment_for_page(pk=pk)
    except Experiment.DoesNotExist as exc:
        raise Http404(_("There is no experiment with this number.")) from exc
    can_review = roles.can_file_reviews(request.user)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Everything that may refuse (role, lock, state) is decided by the service, race-safe.
        try:
            review_file(experiment=experiment, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The review is filed. Thank you for judging by the numbers."))
            return redirect("web:experiment-detail", pk=experiment.pk)
    lock = lock_view(experiment)
    reviews = list(experiment.reviews.all())
    return render(
        request,
        "experiments/review_form.html",
        {
            "experiment": experiment,
            "lock": lock,
            "status": lock.status,
            "form": form,
            "review": reviews[0] if reviews else None,
            "can_review": can_review,
        },
    )
