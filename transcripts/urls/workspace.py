from django.urls import path

from ..views import dashboard, job_list, jobs, transcribe

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("search/", dashboard.search, name="search"),
    path("transcribe/", transcribe.transcribe, name="transcribe"),
    path("transcribe/options/", transcribe.transcribe_options, name="transcribe_options"),
    path("transcripts/", job_list.job_list, name="job_list"),
    path("transcripts/<uuid:job_id>/", jobs.job_detail, name="job_detail"),
    path("transcripts/<uuid:job_id>/status/", jobs.job_status, name="job_status"),
    path("transcripts/<uuid:job_id>/cancel/", jobs.job_cancel, name="job_cancel"),
    path("transcripts/<uuid:job_id>/retry/", jobs.job_retry, name="job_retry"),
    path("transcripts/<uuid:job_id>/audio/", jobs.job_audio, name="job_audio"),
]
