"""Admin: for operators. Secrets never appear: keys show only their last four characters."""

from django.contrib import admin

from .models import ApiToken, Invitation, Job, Membership, ProviderKey, Team, Transcript


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "personal", "created_by", "created_at")
    search_fields = ("name",)
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("team", "email", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    exclude = ("token",)
    raw_id_fields = ("team", "invited_by", "accepted_by")


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("title", "team", "state", "provider", "model", "key_owner", "key_last4", "created_at")
    list_filter = ("state", "provider")
    search_fields = ("title", "remote_id")
    raw_id_fields = ("team", "created_by", "key", "api_token")
    readonly_fields = ("remote_id", "key_owner", "key_last4", "attempts", "polls", "lease_until")


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ("job", "language", "duration", "created_at")
    raw_id_fields = ("job",)
    exclude = ("raw",)


@admin.register(ProviderKey)
class ProviderKeyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "checked_at", "updated_at")
    fields = ("user", "team", "last4", "status", "status_message", "checked_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:  # keys are added through Settings, encrypted
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "status_style", "created_at", "last_used_at", "revoked_at")
    fields = ("user", "team", "name", "prefix", "status_style", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")
