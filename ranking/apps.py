from django.apps import AppConfig


class RankingConfig(AppConfig):
    name = "ranking"

    def ready(self):
        from django.db.models.signals import post_delete

        from accounts.signals import user_deactivated, user_reactivated
        from core.metrics.exposition import register_state_collector
        from profiles.signals import profile_changed
        from ranking import handlers, receivers  # noqa: F401 - handlers register themselves
        from ranking.metrics import LeaderboardCollector
        from ranking.models import PlayerRating

        profile_changed.connect(receivers.on_profile_changed, dispatch_uid="ranking.country")
        user_deactivated.connect(receivers.on_user_deactivated, dispatch_uid="ranking.deactivate")
        user_reactivated.connect(receivers.on_user_reactivated, dispatch_uid="ranking.reactivate")
        post_delete.connect(
            receivers.on_rating_deleted, sender=PlayerRating, dispatch_uid="ranking.deleted"
        )
        register_state_collector(LeaderboardCollector())
