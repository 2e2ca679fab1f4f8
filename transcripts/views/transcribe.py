"""The Transcribe page: the form, and the option fields of the model picked in it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from ..context_processors import current_team
from ..forms.transcribe import TranscribeForm
from ..providers import find_model
from ..services.keys import resolve_key
from ..services.model_defaults import default_model_for
from ..services.submission import SubmissionError, submit_job


@login_required
def transcribe(request: HttpRequest) -> HttpResponse:
    team = current_team(request)
    if request.method == "POST":
        form = TranscribeForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = submit_job(
                    user=request.user,
                    team=team,
                    model_id=form.cleaned_data["model"],
                    options=form.raw_options(),
                    upload=form.cleaned_data.get("audio"),
                    url=form.cleaned_data.get("url") or "",
                    title=form.cleaned_data.get("title") or "",
                )
            except SubmissionError as error:
                form.add_submission_errors(error)
            else:
                messages.success(request, f"“{job.title}” is queued.")
                if request.htmx:
                    return HttpResponseClientRedirect(job.get_absolute_url())
                return redirect(job)
    else:
        form = TranscribeForm(model_id=default_model_for(user=request.user, team=team))
    has_key = team is not None and resolve_key(user=request.user, team=team) is not None
    template = (
        "transcripts/transcribe.html#transcribe-form" if request.htmx else "transcripts/transcribe.html"
    )
    return render(request, template, {"form": form, "nav": "transcribe", "has_key": has_key, "team": team})


@login_required
@require_GET
def transcribe_options(request: HttpRequest) -> HttpResponse:
    """The option fields of one model, swapped in when the model select changes."""
    spec = find_model(request.GET.get("model", ""))
    if spec is None:
        raise Http404("Unknown model")
    form = TranscribeForm(model_id=spec.id)
    return render(request, "transcripts/transcribe.html#model-options", {"form": form})
