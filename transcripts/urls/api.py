from django.urls import path

from ..views import api

# Mounted at /v1/: the AI/ML API's own paths, so scripts written for it only change base_url.
urlpatterns = [
    path("stt/create", api.stt_create, name="api_stt_create"),
    path("stt/<str:generation_id>", api.stt_get, name="api_stt_get"),
]
