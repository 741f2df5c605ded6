from django.apps import AppConfig


class BattlepassConfig(AppConfig):
    name = "battlepass"

    def ready(self):
        from battlepass import handlers  # noqa: F401 - handlers register themselves
        from battlepass.catalog import apply_seasons, validate_seasons
        from cosmetics.catalog_import import register_section

        # After the cosmetics section (order 10): season rewards may name cosmetics of the file.
        register_section("seasons", validate=validate_seasons, apply=apply_seasons, order=20)
