from django.urls import path

from ..views import settings_account, settings_key, settings_tokens, usage

urlpatterns = [
    path("", settings_account.settings_home, name="settings_home"),
    path("api-key/", settings_key.provider_key, name="provider_key"),
    path("usage/", usage.usage, name="usage"),
    path("tokens/", settings_tokens.api_tokens, name="api_tokens"),
]
