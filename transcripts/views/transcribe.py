"""The Transcribe page: the form (several files and links at once), and the option fields of the
model picked in it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from ..context_processors import current_team
from ..forms.transcribe import TranscribeForm
from ..providers import find_model
from ..services.keys import resolve_key
from ..services.model_defaults import ModelChoice, key_problem_for, model_choice_for
from ..services.submission import BATCH_LIMIT, BatchResult, SubmissionError, submit_batch


def _announce(request: HttpRequest, result: BatchResult) -> None:
    """ "“jfk” is queued." · "3 transcriptions queued." · "…; 1 item was refused: notes.txt: …" """
    count = len(result.jobs)
    queued = f"“{result.jobs[0].title}” is queued" if count == 1 else f"{count} transcriptions queued"
    if not result.refused:
        messages.success(request, f"{queued}.")
        return
    refused = len(result.refused)
    items = "; ".join(str(refusal) for refusal in result.refused)
    messages.warning(
        request, f"{queued}; {refused} item{'s were' if refused > 1 else ' was'} refused — {items}"
    )


def _explain(form: TranscribeForm, choice: ModelChoice, *, user, team) -> None:
    """The note under the model select: why the preselected model is preselected, and whether
    the model shown can be paid for."""
    if form.spec is None:
        return
    if form.spec.id == choice.model_id:
        form.model_note, form.model_switched = choice.note, choice.switched
    form.key_problem = key_problem_for(user=user, team=team, model_id=form.spec.id)


@login_required
def transcribe(request: HttpRequest) -> HttpResponse:
    team = current_team(request)
    choice = model_choice_for(user=request.user, team=team)
    if request.method == "POST":
        form = TranscribeForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = submit_batch(
                    user=request.user,
                    team=team,
                    model_id=form.cleaned_data["model"],
                    options=form.raw_options(),
                    uploads=form.cleaned_data["audio"],
                    urls=form.url_lines(),
                    title=form.cleaned_data.get("title") or "",
                )
            except SubmissionError as error:
                form.add_submission_errors(error)
            else:
                if result.jobs:
                    _announce(request, result)
                    one = len(result.jobs) == 1
                    target = result.jobs[0].get_absolute_url() if one else reverse("job_list")
                    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
                form.add_refusals(result.refused)  # nothing queued: the form says what to fix
    else:
        form = TranscribeForm(model_id=choice.model_id)
    _explain(form, choice, user=request.user, team=team)
    has_key = team is not None and resolve_key(user=request.user, team=team) is not None
    template = (
        "transcripts/transcribe.html#transcribe-form" if request.htmx else "transcripts/transcribe.html"
    )
    context = {
        "form": form,
        "nav": "transcribe",
        "has_key": has_key,
        "team": team,
        "batch_limit": BATCH_LIMIT,
    }
    return render(request, template, context)


@login_required
@require_GET
def transcribe_options(request: HttpRequest) -> HttpResponse:
    """The option fields of one model, swapped in when the model select changes."""
    spec = find_model(request.GET.get("model", ""))
    if spec is None:
        raise Http404("Unknown model")
    form = TranscribeForm(model_id=spec.id)
    team = current_team(request)
    _explain(form, model_choice_for(user=request.user, team=team), user=request.user, team=team)
    return render(request, "transcripts/transcribe.html#model-options", {"form": form})
