"""Share links' public pages (``/s/<token>/``): no sign-in, only the one transcript."""

from django.urls import path

from ..views import sharing

urlpatterns = [
    path("<str:token>/", sharing.share_page, name="share_page"),
    path("<str:token>/audio/", sharing.share_audio, name="share_audio"),
    path("<str:token>/export/", sharing.share_export, name="share_export"),
]
