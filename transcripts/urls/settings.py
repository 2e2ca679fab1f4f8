from django.urls import path

from ..views import settings_account

urlpatterns = [
    path("", settings_account.settings_home, name="settings_home"),
]
