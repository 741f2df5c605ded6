from django.urls import path

from ranking import season_views, views

urlpatterns = [
    path("leaderboards/global/", views.GlobalLeaderboardApi.as_view(), name="leaderboard-global"),
    path(
        "leaderboards/regional/<str:country>/",
        views.RegionalLeaderboardApi.as_view(),
        name="leaderboard-regional",
    ),
    path(
        "leaderboards/seasons/<int:season_number>/",
        season_views.SeasonLeaderboardApi.as_view(),
        name="leaderboard-season",
    ),
    path("leaderboards/me/", views.MyRankApi.as_view(), name="leaderboard-me"),
    path("ratings/<uuid:user_id>/", views.PlayerRatingApi.as_view(), name="rating-detail"),
    path("stats/<uuid:user_id>/", views.PlayerStatsApi.as_view(), name="player-stats"),
]
