from django.apps import AppConfig


class CosmeticsConfig(AppConfig):
    name = "cosmetics"

    def ready(self):
        from cosmetics import receivers  # noqa: F401
