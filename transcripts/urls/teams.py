from django.urls import path

from ..views import sharing, team_settings, teams

urlpatterns = [
    path("", teams.team_list, name="team_list"),
    path("new/", teams.team_create, name="team_create"),
    path("invitations/<str:token>/", teams.invitation_accept, name="invitation_accept"),
    path("<int:pk>/", teams.team_detail, name="team_detail"),
    path("<int:pk>/invite/", teams.team_invite, name="team_invite"),
    path("<int:pk>/invitations/", teams.team_invitations, name="team_invitations"),
    path("<int:pk>/members/count/", teams.team_member_count, name="team_member_count"),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/revoke/",
        teams.invitation_revoke,
        name="invitation_revoke",
    ),
    path("<int:pk>/members/<int:membership_pk>/role/", teams.member_role, name="member_role"),
    path("<int:pk>/members/<int:membership_pk>/remove/", teams.member_remove, name="member_remove"),
    path("<int:pk>/leave/", teams.team_leave, name="team_leave"),
    path("<int:pk>/switch/", teams.team_switch, name="team_switch"),
    path("<int:pk>/settings/", team_settings.team_settings, name="team_settings"),
    path("<int:pk>/delete/", team_settings.team_delete, name="team_delete"),
    path("<int:pk>/shares/", sharing.team_shares, name="team_shares"),
]
