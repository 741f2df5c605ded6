from django.urls import path

from battlepass import views

urlpatterns = [
    path("season/", views.SeasonActiveApi.as_view(), name="battlepass-season"),
    path(
        "seasons/<uuid:season_id>/tiers/",
        views.SeasonTiersApi.as_view(),
        name="battlepass-season-tiers",
    ),
    path("progress/", views.ProgressApi.as_view(), name="battlepass-progress"),
    path("claim/", views.ClaimApi.as_view(), name="battlepass-claim"),
    path("premium/", views.PremiumApi.as_view(), name="battlepass-premium"),
    path("tiers/purchase/", views.TiersPurchaseApi.as_view(), name="battlepass-tiers-purchase"),
    path("daily-bonus/", views.DailyBonusApi.as_view(), name="battlepass-daily-bonus"),
    path("challenges/", views.ChallengesApi.as_view(), name="battlepass-challenges"),
]
