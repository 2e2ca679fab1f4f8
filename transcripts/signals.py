from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="personal_team_for_new_user")
def give_new_user_a_personal_team(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        from .services.teams import create_personal_team

        create_personal_team(user=instance)
