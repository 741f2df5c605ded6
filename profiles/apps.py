from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"

    def ready(self):
        from accounts.signals import user_deactivated
        from core.cache import invalidate
        from profiles.services import profile_cache_key

        def _forget_profile(sender, user_id, **kwargs):
            invalidate(profile_cache_key(user_id))

        user_deactivated.connect(_forget_profile, dispatch_uid="profiles.forget_deactivated")
