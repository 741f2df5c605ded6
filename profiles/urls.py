from django.urls import path, re_path

from profiles import local_media, views

urlpatterns = [
    path("me/", views.ProfileMeApi.as_view(), name="profiles-me"),
    path("me/privacy/", views.ProfilePrivacyApi.as_view(), name="profiles-me-privacy"),
    path(
        "me/avatar/upload-url/",
        views.AvatarUploadUrlApi.as_view(),
        name="profiles-avatar-upload-url",
    ),
    path("me/avatar/confirm/", views.AvatarConfirmApi.as_view(), name="profiles-avatar-confirm"),
    path(
        "me/banner/upload-url/",
        views.BannerUploadUrlApi.as_view(),
        name="profiles-banner-upload-url",
    ),
    path("me/banner/confirm/", views.BannerConfirmApi.as_view(), name="profiles-banner-confirm"),
    path("<str:user_id>/", views.ProfileDetailApi.as_view(), name="profiles-detail"),
]

# Mounted by config/urls.py: the local backend's upload endpoint (under /api/v1/) ...
upload_urlpatterns = [
    path(
        "uploads/<str:token>/", local_media.LocalUploadApi.as_view(), name="profiles-local-upload"
    ),
]
# ... and its file serving (at the site root, /media/...): published images only.
media_urlpatterns = [
    re_path(
        r"^media/(?P<path>(?:avatars|banners)/[0-9a-f-]{36}/[^/]+/[^/]+\.webp)$",
        local_media.media_serve,
        name="profiles-media",
    ),
]
