from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class TrivialApi(APIView):
    """The ceiling: a DRF JSON view doing nothing, behind the same middleware and throttles."""

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("bench/trivial/", TrivialApi.as_view()),
    path("", include("config.urls")),
]
