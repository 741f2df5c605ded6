"""Signal receivers (connected in RankingConfig.ready): each only calls a service."""

from ranking import board_pages, services


def on_profile_changed(sender, *, user_id, changed_fields, **kwargs):
    if "country" in set(changed_fields or ()):
        services.rating_country_sync(user_id=user_id)
    board_pages.pages_changed(changed_fields)


def on_user_deactivated(sender, *, user_id, **kwargs):
    services.rating_listed_set(user_id=user_id, listed=False)


def on_user_reactivated(sender, *, user_id, **kwargs):
    services.rating_listed_set(user_id=user_id, listed=True)


def on_rating_deleted(sender, *, instance, **kwargs):
    services.rating_deleted(rating=instance)
