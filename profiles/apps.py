from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"

    def ready(self):
        from accounts.signals import registration_field, user_deactivated, user_registered
        from profiles import receivers
        from profiles.serializers import DisplayNameField

        registration_field("display_name", DisplayNameField)
        user_registered.connect(receivers.on_user_registered, dispatch_uid="profiles.create")

        user_deactivated.connect(
            receivers.on_user_deactivated, dispatch_uid="profiles.forget_deactivated"
        )
