"""The admin app with the project's site (``accounts.admin_site.StaffAdminSite``: 2FA and the
API's login limits), so every ``@admin.register`` lands on it."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "accounts.admin_site.StaffAdminSite"
