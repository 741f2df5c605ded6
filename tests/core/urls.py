"""The project's URLs plus views that misbehave on purpose, for error-envelope tests."""

from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urlpatterns


class BoomApi(APIView):
    def get(self, request):
        raise RuntimeError("secret internal detail")


class EchoSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=1)


class EchoApi(APIView):
    def post(self, request):
        body = EchoSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(body.validated_data)


def plain_boom(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [
    path("api/v1/test/boom/", BoomApi.as_view()),
    path("api/v1/test/plain-boom/", plain_boom),
    path("api/v1/test/echo/", EchoApi.as_view()),
    *project_urlpatterns,
]
