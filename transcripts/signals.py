from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from .services.teams import create_personal_team


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="personal_team_for_new_user")
def give_new_user_a_personal_team(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Sign-up makes the personal team and the profile, so no page ever has to create them."""
    if created and not raw:
        create_personal_team(user=instance)
