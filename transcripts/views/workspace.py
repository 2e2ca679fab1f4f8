"""Transcribe and Transcripts pages (jobs). Thin views: rules live in transcripts.services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def transcribe(request: HttpRequest) -> HttpResponse:
    return render(request, "transcripts/transcribe.html", {"nav": "transcribe"})


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    return render(request, "transcripts/job_list.html", {"nav": "transcripts"})
