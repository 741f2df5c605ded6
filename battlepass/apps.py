from django.apps import AppConfig


class BattlepassConfig(AppConfig):
    name = "battlepass"
