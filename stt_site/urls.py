from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("transcripts.urls.accounts")),
    path("teams/", include("transcripts.urls.teams")),
    path("settings/", include("transcripts.urls.settings")),
    path("v1/", include("transcripts.urls.api")),
    path("s/", include("transcripts.urls.sharing")),
    path("", include("transcripts.urls.workspace")),
]
