from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"

    def ready(self):
        from accounts.signals import user_deactivated
        from profiles import receivers

        user_deactivated.connect(
            receivers.on_user_deactivated, dispatch_uid="profiles.forget_deactivated"
        )
