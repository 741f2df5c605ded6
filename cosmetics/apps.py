from django.apps import AppConfig


class CosmeticsConfig(AppConfig):
    name = "cosmetics"
