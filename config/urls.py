from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from core import views as core_views
from profiles import urls as profiles_urls

api_v1 = [
    path("auth/", include("accounts.urls")),
    path("profiles/", include("profiles.urls")),
    path("", include(profiles_urls.upload_urlpatterns)),  # profiles: local media backend upload
    path("", include("cosmetics.urls")),
    path("battlepass/", include("battlepass.urls")),
    path("", include("battlepass.season_urls")),  # ratings/{user_id}/seasons/
    path("", include("ranking.urls")),
    path("", include("events.urls")),
    path("notifications/", include("notifications.urls")),
    path("schema/", SpectacularJSONAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("", include(profiles_urls.media_urlpatterns)),  # profiles: local media backend files
    # Anything else under /api/ is the envelope's 404, with DEBUG on or off.
    re_path(r"^api/", core_views.api_not_found, name="api-not-found"),
]

handler400 = "core.views.handler400"
handler404 = "core.views.handler404"
handler500 = "core.views.handler500"
