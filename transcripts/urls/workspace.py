from django.urls import path

from ..views import dashboard, job_list, jobs, search, sharing, transcribe, transcript

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("search/", search.search, name="search"),
    path("transcribe/", transcribe.transcribe, name="transcribe"),
    path("transcribe/options/", transcribe.transcribe_options, name="transcribe_options"),
    path("transcripts/", job_list.job_list, name="job_list"),
    path("transcripts/bulk/", job_list.job_bulk, name="job_bulk"),
    path("transcripts/<uuid:job_id>/", jobs.job_detail, name="job_detail"),
    path("transcripts/<uuid:job_id>/status/", jobs.job_status, name="job_status"),
    path("transcripts/<uuid:job_id>/cancel/", jobs.job_cancel, name="job_cancel"),
    path("transcripts/<uuid:job_id>/retry/", jobs.job_retry, name="job_retry"),
    path("transcripts/<uuid:job_id>/audio/", jobs.job_audio, name="job_audio"),
    path("transcripts/<uuid:job_id>/rename/", jobs.job_rename, name="job_rename"),
    path("transcripts/<uuid:job_id>/delete/", jobs.job_delete, name="job_delete"),
    path("transcripts/<uuid:job_id>/move/", jobs.job_move, name="job_move"),
    path("transcripts/<uuid:job_id>/segments/", transcript.segments, name="transcript_segments"),
    path("transcripts/<uuid:job_id>/segments/<int:index>/", transcript.segment, name="transcript_segment"),
    path("transcripts/<uuid:job_id>/edits/", transcript.edit_history, name="transcript_history"),
    path("transcripts/<uuid:job_id>/edits/<int:edit_id>/undo/", transcript.undo, name="transcript_undo"),
    path("transcripts/<uuid:job_id>/speakers/", transcript.speakers, name="transcript_speakers"),
    path("transcripts/<uuid:job_id>/export/", transcript.export, name="transcript_export"),
    path("transcripts/<uuid:job_id>/visibility/", jobs.job_visibility, name="job_visibility"),
    path("transcripts/<uuid:job_id>/shares/", sharing.job_shares, name="job_shares"),
    path("transcripts/<uuid:job_id>/shares/<int:link_id>/revoke/", sharing.share_revoke, name="share_revoke"),
]
