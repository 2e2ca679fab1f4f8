"""Teams: creating, inviting, accepting, roles, leaving, removing, who may see what."""

from __future__ import annotations

import json
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from transcripts.models import Invitation, Membership, Profile, Role, Team
from transcripts.services import teams as team_service
from transcripts.services.teams import TeamError, current_team_for

from .conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(team, owner) -> Invitation:
    return team_service.invite(team=team, by=owner)


def accept_url(invitation: Invitation) -> str:
    return reverse("invitation_accept", args=[invitation.token])


def membership(team: Team, user) -> Membership:
    return Membership.objects.get(team=team, user=user)


# --- Creating and switching ------------------------------------------------------------------


def test_create_a_team_makes_me_its_owner_and_current(owner_client, owner):
    response = owner_client.post(reverse("team_create"), {"name": "  Field   Notes "})
    team = Team.objects.get(name="Field Notes")
    assert response.url == reverse("team_detail", args=[team.pk])
    assert membership(team, owner).role == Role.OWNER
    assert current_team_for(owner) == team


def test_a_team_needs_a_name(owner_client):
    response = owner_client.post(reverse("team_create"), {"name": "   "})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


def test_team_list_shows_my_teams_only(teammate_client, team, outsider):
    secret = team_service.create_team(user=outsider, name="Outsider Club")
    html = teammate_client.get(reverse("team_list")).content.decode()
    assert team.name in html and "tomas&#x27;s workspace" in html
    assert secret.name not in html


def test_switch_current_team(teammate_client, teammate, team):
    response = teammate_client.post(reverse("team_switch", args=[team.pk]), {"next": "/transcripts/"})
    assert response.url == "/transcripts/"
    assert current_team_for(teammate) == team


def test_switching_ignores_an_offsite_next(teammate_client, team):
    response = teammate_client.post(reverse("team_switch", args=[team.pk]), {"next": "//evil.example/"})
    assert response.url == reverse("team_list")


def test_cannot_switch_to_a_team_i_am_not_in(outsider_client, outsider, team):
    assert outsider_client.post(reverse("team_switch", args=[team.pk])).status_code == 404
    assert current_team_for(outsider) != team
    with pytest.raises(TeamError):
        team_service.set_current_team(user=outsider, team=team)


# --- Invitations -----------------------------------------------------------------------------


def test_invite_link_then_accept(owner_client, client, team, outsider):
    response = owner_client.post(
        reverse("team_invite", args=[team.pk]), {"role": "admin"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "HX-Trigger" not in response.headers  # the answer is the whole invite panel, list included
    invitation = Invitation.objects.get(team=team)
    assert accept_url(invitation) in response.content.decode()
    assert mail.outbox == []

    client.force_login(outsider)
    page = client.get(accept_url(invitation)).content.decode()
    assert "Join Acme Research" in page and "Accept and join" in page
    assert client.post(accept_url(invitation)).url == reverse("team_detail", args=[team.pk])
    assert membership(team, outsider).role == Role.ADMIN
    assert current_team_for(outsider) == team
    invitation.refresh_from_db()
    assert invitation.accepted_by == outsider


def test_email_invite_sends_the_link(owner_client, team):
    owner_client.post(
        reverse("team_invite", args=[team.pk]), {"email": "Newbie@Example.com", "role": "member"}
    )
    invitation = Invitation.objects.get(team=team)
    assert invitation.email == "Newbie@Example.com"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Newbie@Example.com"]
    assert "Acme Research" in mail.outbox[0].subject
    assert f"http://testserver{accept_url(invitation)}" in mail.outbox[0].body


def test_a_failed_invitation_email_still_leaves_a_working_link(owner_client, team, monkeypatch):
    def smtp_down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection closed")

    monkeypatch.setattr(team_service, "send_mail", smtp_down)
    response = owner_client.post(
        reverse("team_invite", args=[team.pk]),
        {"email": "nina@example.com", "role": "member"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    invitation = Invitation.objects.get(team=team, email="nina@example.com")
    assert accept_url(invitation) in response.content.decode()


def test_an_anonymous_invitee_signs_up_and_comes_back(client, team, owner):
    invitation = team_service.invite(team=team, by=owner, email="nina@example.com")
    landing = client.get(accept_url(invitation)).content.decode()
    assert "Sign up to join" in landing
    assert f"{reverse('signup')}?next={accept_url(invitation)}&amp;email=nina%40example.com" in landing

    password = "plum-orbit-canvas-93"
    response = client.post(
        reverse("signup"),
        {
            "username": "nina",
            "email": "nina@example.com",
            "password1": password,
            "password2": password,
            "next": accept_url(invitation),
        },
    )
    assert response.url == accept_url(invitation)
    client.post(accept_url(invitation))
    assert Membership.objects.filter(team=team, user__username="nina").exists()


def test_posting_acceptance_anonymously_asks_to_log_in(client, invitation):
    response = client.post(accept_url(invitation))
    assert response.url == f"{reverse('login')}?next={accept_url(invitation)}"


def assert_refused(client, invitation, message: str) -> None:
    page = client.get(accept_url(invitation))
    assert message in page.content.decode()
    assert "Accept and join" not in page.content.decode()
    response = client.post(accept_url(invitation))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_expired_invitation_is_refused(outsider_client, outsider, invitation, team):
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()
    assert_refused(outsider_client, invitation, "This invitation expired on")
    assert not Membership.objects.filter(team=team, user=outsider).exists()


def test_a_used_invitation_cannot_be_reused(outsider_client, invitation, team, db):
    latecomer = make_user("lena")
    team_service.accept_invitation(token=invitation.token, user=latecomer)
    assert_refused(outsider_client, invitation, "already been used")
    assert team.memberships.count() == 3


def test_a_revoked_invitation_is_refused(owner_client, client, outsider, invitation, team):
    response = owner_client.post(
        reverse("invitation_revoke", args=[team.pk, invitation.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response.content == b""
    client.force_login(outsider)
    assert_refused(client, invitation, "withdrawn by the team")


def test_an_unknown_token_is_a_clear_404(outsider_client):
    response = outsider_client.get(reverse("invitation_accept", args=["nope"]))
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


def test_inviting_my_own_email_is_refused(owner_client, team):
    response = owner_client.post(
        reverse("team_invite", args=[team.pk]),
        {"email": "OLIVIA@example.com", "role": "member"},
        HTTP_HX_REQUEST="true",
    )
    assert "That is your own email address" in response.content.decode()
    assert not Invitation.objects.exists()


def test_inviting_an_existing_member_is_refused(owner_client, team):
    response = owner_client.post(
        reverse("team_invite", args=[team.pk]),
        {"email": "tomas@example.com", "role": "member"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "tomas@example.com is already a member of Acme Research" in html
    assert 'aria-invalid="true"' in html
    assert not Invitation.objects.exists()


def test_inviting_the_same_email_twice_is_refused(team, owner):
    team_service.invite(team=team, by=owner, email="nina@example.com")
    with pytest.raises(TeamError, match="already has a pending invitation"):
        team_service.invite(team=team, by=owner, email="NINA@example.com")


def test_an_invitation_for_another_email_is_refused(outsider_client, team, owner):
    invitation = team_service.invite(team=team, by=owner, email="someone.else@example.com")
    assert_refused(outsider_client, invitation, "This invitation was sent to someone.else@example.com")


def test_a_member_cannot_accept_again(teammate_client, invitation):
    assert_refused(teammate_client, invitation, "You are already a member of Acme Research")


def test_plain_members_cannot_invite(teammate_client, team):
    response = teammate_client.post(reverse("team_invite", args=[team.pk]), {"role": "member"}, follow=True)
    assert "Only owners and admins can invite people" in response.content.decode()
    assert not Invitation.objects.exists()


def test_admins_cannot_invite_owners(team, teammate):
    Membership.objects.filter(team=team, user=teammate).update(role=Role.ADMIN)
    with pytest.raises(TeamError, match="Only owners can make someone an owner"):
        team_service.invite(team=team, by=teammate, role=Role.OWNER)


def test_personal_workspaces_take_no_invitations(owner):
    with pytest.raises(TeamError, match="personal workspace is private"):
        team_service.invite(team=current_team_for(owner), by=owner)


# --- Roles, removing, leaving -----------------------------------------------------------------


def test_owner_changes_a_role_with_htmx(owner_client, team, teammate):
    member = membership(team, teammate)
    response = owner_client.post(
        reverse("member_role", args=[team.pk, member.pk]), {"role": "admin"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "HX-Trigger" not in response.headers  # the row is the answer; nothing else shows roles
    assert f'id="member-{member.pk}"' in response.content.decode()
    member.refresh_from_db()
    assert member.role == Role.ADMIN


def test_an_admin_cannot_demote_an_owner(client, team, owner, teammate):
    Membership.objects.filter(team=team, user=teammate).update(role=Role.ADMIN)
    client.force_login(teammate)
    owner_membership = membership(team, owner)
    response = client.post(
        reverse("member_role", args=[team.pk, owner_membership.pk]),
        {"role": "member"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Admins cannot change an owner" in response.content.decode()
    assert "HX-Trigger" not in response.headers
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_only_owners_make_owners(team, owner, teammate, db):
    Membership.objects.filter(team=team, user=teammate).update(role=Role.ADMIN)
    third = make_user("uma")
    member = Membership.objects.create(team=team, user=third)
    with pytest.raises(TeamError, match="Only owners can make someone an owner"):
        team_service.change_role(membership=member, by=teammate, role=Role.OWNER)
    team_service.change_role(membership=member, by=owner, role=Role.OWNER)
    assert membership(team, third).role == Role.OWNER


def test_members_cannot_change_roles(teammate_client, team, owner):
    owner_membership = membership(team, owner)
    response = teammate_client.post(
        reverse("member_role", args=[team.pk, owner_membership.pk]), {"role": "member"}, follow=True
    )
    assert "Only owners and admins can change roles" in response.content.decode()


def test_the_last_owner_cannot_step_down(team, owner):
    with pytest.raises(TeamError, match="at least one owner"):
        team_service.change_role(membership=membership(team, owner), by=owner, role=Role.ADMIN)


def test_the_last_owner_cannot_leave(owner_client, team, owner):
    response = owner_client.post(reverse("team_leave", args=[team.pk]), follow=True)
    assert "You are the last owner" in response.content.decode()
    assert Membership.objects.filter(team=team, user=owner).exists()


def test_an_owner_can_leave_once_there_is_another(owner_client, team, owner, teammate):
    Membership.objects.filter(team=team, user=teammate).update(role=Role.OWNER)
    response = owner_client.post(reverse("team_leave", args=[team.pk]))
    assert response.url == reverse("team_list")
    assert not Membership.objects.filter(team=team, user=owner).exists()


def test_a_member_leaves_and_their_current_team_falls_back(teammate_client, teammate, team):
    team_service.set_current_team(user=teammate, team=team)
    response = teammate_client.post(reverse("team_leave", args=[team.pk]), HTTP_HX_REQUEST="true")
    assert response.headers["HX-Redirect"] == reverse("team_list")
    assert Profile.objects.get(user=teammate).current_team is None
    assert current_team_for(teammate).personal


def test_a_personal_team_cannot_be_left(owner_client, owner):
    personal = current_team_for(owner)
    response = owner_client.post(reverse("team_leave", args=[personal.pk]), follow=True)
    assert "cannot be left" in response.content.decode()
    assert Membership.objects.filter(team=personal, user=owner).exists()


def test_owner_removes_a_member_with_htmx(owner_client, team, teammate):
    member = membership(team, teammate)
    response = owner_client.post(reverse("member_remove", args=[team.pk, member.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content == b""
    assert "team-members-changed" in response.headers["HX-Trigger"]
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_an_admin_cannot_remove_an_owner(client, team, owner, teammate):
    Membership.objects.filter(team=team, user=teammate).update(role=Role.ADMIN)
    client.force_login(teammate)
    response = client.post(
        reverse("member_remove", args=[team.pk, membership(team, owner).pk]), HTTP_HX_REQUEST="true"
    )
    assert "Admins cannot remove an owner" in response.content.decode()
    assert Membership.objects.filter(team=team, user=owner).exists()


def test_nobody_removes_themselves(team, owner):
    with pytest.raises(TeamError, match="leave the team instead"):
        team_service.remove_member(membership=membership(team, owner), by=owner)


def test_team_page_shows_controls_only_to_managers(owner_client, client, team, teammate):
    owner_page = owner_client.get(reverse("team_detail", args=[team.pk])).content.decode()
    assert "Create invite link" in owner_page and "Remove" in owner_page
    client.force_login(teammate)
    member_page = client.get(reverse("team_detail", args=[team.pk])).content.decode()
    assert "Create invite link" not in member_page and "Ask an owner or admin" in member_page
    assert "<select" not in member_page


def test_members_never_see_invite_links(teammate_client, invitation, team):
    page = teammate_client.get(reverse("team_detail", args=[team.pk])).content.decode()
    assert invitation.token not in page
    fragment = teammate_client.get(reverse("team_invitations", args=[team.pk]), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 403 and invitation.token not in fragment.content.decode()


# --- Events and the fragments that hear them ----------------------------------------------------


def test_the_member_count_hears_a_removal_and_refetches_itself(owner_client, team, teammate):
    page = owner_client.get(reverse("team_detail", args=[team.pk])).content.decode()
    count_url = reverse("team_member_count", args=[team.pk])
    listener = f'hx-get="{count_url}" hx-trigger="team-members-changed from:body"'
    assert listener in page and '">2</span>' in page

    member = membership(team, teammate)
    response = owner_client.post(reverse("member_remove", args=[team.pk, member.pk]), HTTP_HX_REQUEST="true")
    event = json.loads(response.headers["HX-Trigger"])["team-members-changed"]
    assert event == {"team": team.pk, "target": "body"}  # heard even though the row is gone

    fragment = owner_client.get(count_url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.strip().startswith('<span id="member-count" class="count"')
    assert listener in fragment and '">1</span>' in fragment  # it keeps listening after the swap


def test_the_pending_list_hears_a_revocation_and_refetches_itself(owner_client, team, invitation):
    page = owner_client.get(reverse("team_detail", args=[team.pk])).content.decode()
    list_url = reverse("team_invitations", args=[team.pk])
    listener = f'hx-get="{list_url}" hx-trigger="team-invitations-changed from:body"'
    assert listener in page and accept_url(invitation) in page

    response = owner_client.post(
        reverse("invitation_revoke", args=[team.pk, invitation.pk]), HTTP_HX_REQUEST="true"
    )
    event = json.loads(response.headers["HX-Trigger"])["team-invitations-changed"]
    assert event == {"team": team.pk, "target": "body"}

    fragment = owner_client.get(list_url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="pending-invitations"' in fragment and listener in fragment
    assert accept_url(invitation) not in fragment and "No pending invitations." in fragment
    assert "<html" not in fragment


def test_the_pending_list_fragment_shows_what_is_still_pending(owner_client, team, owner):
    kept = team_service.invite(team=team, by=owner, email="kept@example.com")
    gone = team_service.invite(team=team, by=owner, email="gone@example.com")
    team_service.revoke_invitation(invitation=gone, by=owner)
    fragment = owner_client.get(reverse("team_invitations", args=[team.pk])).content.decode()
    assert f"http://testserver{accept_url(kept)}" in fragment and "kept@example.com" in fragment
    assert "gone@example.com" not in fragment


def test_a_personal_workspace_has_no_invitation_list(owner_client, owner):
    personal = current_team_for(owner)
    assert owner_client.get(reverse("team_invitations", args=[personal.pk])).status_code == 403


# --- Outsiders -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["team_detail", "team_member_count", "team_invitations"])
def test_an_outsider_gets_404_on_team_pages(outsider_client, team, name):
    assert outsider_client.get(reverse(name, args=[team.pk])).status_code == 404
    assert outsider_client.get(reverse(name, args=[team.pk]), HTTP_HX_REQUEST="true").status_code == 404


@pytest.mark.parametrize("name", ["team_invite", "team_leave", "team_switch"])
def test_an_outsider_gets_404_on_team_actions(outsider_client, team, name):
    assert outsider_client.post(reverse(name, args=[team.pk]), {"role": "member"}).status_code == 404
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("name", ["member_role", "member_remove"])
def test_an_outsider_gets_404_on_member_actions(outsider_client, team, owner, name):
    target = membership(team, owner)
    response = outsider_client.post(reverse(name, args=[team.pk, target.pk]), {"role": "member"})
    assert response.status_code == 404
    assert membership(team, owner).role == Role.OWNER


def test_an_outsider_gets_404_revoking(outsider_client, team, invitation):
    assert (
        outsider_client.post(reverse("invitation_revoke", args=[team.pk, invitation.pk])).status_code == 404
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_a_membership_of_another_team_is_404_under_mine(owner_client, owner, team, outsider):
    other = team_service.create_team(user=outsider, name="Elsewhere")
    stranger = membership(other, outsider)
    url = reverse("member_remove", args=[team.pk, stranger.pk])
    assert owner_client.post(url).status_code == 404
    assert Membership.objects.filter(pk=stranger.pk).exists()


def test_team_pages_need_a_login(client, team):
    response = client.get(reverse("team_detail", args=[team.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
