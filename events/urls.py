from django.urls import path

from events.views import MatchIngestApi

urlpatterns = [
    path("matches/", MatchIngestApi.as_view(), name="matches-ingest"),
]
