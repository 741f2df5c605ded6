from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from accounts import (
            receivers,
            schema,  # noqa: F401  (registers the OpenAPI auth extension)
        )

        post_save.connect(receivers.on_user_saved, sender="accounts.User")
        post_delete.connect(receivers.on_user_deleted, sender="accounts.User")
        # Named, not imported: profiles builds on accounts.
        post_save.connect(receivers.on_profile_saved, sender="profiles.Profile")
        post_delete.connect(receivers.on_owned_row_changed, sender="profiles.Profile")
        post_save.connect(receivers.on_owned_row_changed, sender="otp_totp.TOTPDevice")
        post_delete.connect(receivers.on_owned_row_changed, sender="otp_totp.TOTPDevice")
