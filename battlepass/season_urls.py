from django.urls import path

from battlepass import season_views

urlpatterns = [
    path(
        "ratings/<uuid:user_id>/seasons/",
        season_views.PlayerSeasonHistoryApi.as_view(),
        name="rating-seasons",
    ),
]
