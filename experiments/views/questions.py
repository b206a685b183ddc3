"""Asking and answering questions about an experiment ("before a conflict, ask why")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from experiments.forms import AnswerForm, QuestionForm, apply_service_errors
from experiments.models import Experiment, Question
from experiments.services.questions import question_answer, question_ask
from experiments.views.experiments import detail_context
from experiments.web_selectors import experiment_for_page
from tracker.errors import Conflict


@login_required
@require_POST
def question_ask_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        experiment = experiment_for_page(pk=pk)
    except Experiment.DoesNotExist as exc:
        raise Http404(_("There is no experiment with this number.")) from exc
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            question = question_ask(experiment=experiment, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The question is sent to the marketing head."))
            return redirect(f"{reverse('web:experiment-detail', args=[experiment.pk])}#question-{question.pk}")
    context = detail_context(request, experiment, question_form=form)
    return render(request, "experiments/detail.html", context, status=400)


@login_required
@require_POST
def question_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question.objects.select_related("experiment"), pk=pk)
    form = AnswerForm(request.POST)
    target = f"{reverse('web:experiment-detail', args=[question.experiment_id])}#question-{question.pk}"
    if not form.is_valid():
        messages.error(request, _("Write the answer; it cannot be empty."))
        return redirect(target)
    try:
        question_answer(question=question, by=request.user, text=form.cleaned_data["text"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The answer is published."))
    return redirect(target)
