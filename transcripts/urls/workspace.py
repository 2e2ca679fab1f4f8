from django.urls import path

from ..views import workspace

urlpatterns = [
    path("transcribe/", workspace.transcribe, name="transcribe"),
    path("transcripts/", workspace.job_list, name="job_list"),
]
