from django.urls import path

from accounts import views, views_two_factor

urlpatterns = [
    path("register/", views.RegisterApi.as_view(), name="auth-register"),
    path("login/", views.LoginApi.as_view(), name="auth-login"),
    path("refresh/", views.RefreshApi.as_view(), name="auth-refresh"),
    path("logout/", views.LogoutApi.as_view(), name="auth-logout"),
    path("logout-all/", views.LogoutAllApi.as_view(), name="auth-logout-all"),
    path("me/", views.MeApi.as_view(), name="auth-me"),
    path("password/change/", views.PasswordChangeApi.as_view(), name="auth-password-change"),
    path("password-reset/", views.PasswordResetApi.as_view(), name="auth-password-reset"),
    path(
        "password-reset/confirm/",
        views.PasswordResetConfirmApi.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("2fa/setup/", views_two_factor.TwoFactorSetupApi.as_view(), name="auth-2fa-setup"),
    path("2fa/verify/", views_two_factor.TwoFactorVerifyApi.as_view(), name="auth-2fa-verify"),
    path("2fa/disable/", views_two_factor.TwoFactorDisableApi.as_view(), name="auth-2fa-disable"),
    path("jwks/", views.JwksApi.as_view(), name="auth-jwks"),
]
