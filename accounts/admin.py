from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services, two_factor
from accounts.models import User


class UserCreateForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ("-date_joined",)
    list_display = ("email", "two_factor", "is_staff", "is_active", "last_login", "date_joined")
    list_filter = ("is_staff", "is_active", "is_superuser")
    actions = ["deactivate_users", "reactivate_users", "reset_two_factor"]
    search_fields = ("email", "profile__display_name")
    readonly_fields = ("id", "date_joined", "last_login", "tokens_valid_after")
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined", "tokens_valid_after")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def get_queryset(self, request):
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(two_factor_on=Exists(confirmed))

    @admin.display(boolean=True, description="2FA", ordering="two_factor_on")
    def two_factor(self, user) -> bool:
        return user.two_factor_on

    @admin.action(description="Deactivate selected users (their tokens stop working at once)")
    def deactivate_users(self, request, queryset):
        users = list(queryset.filter(is_active=True))
        for user in users:
            services.user_deactivate(user=user)
        self.message_user(request, f"Deactivated {len(users)} user(s).", messages.SUCCESS)

    @admin.action(description="Reset 2FA of selected users (TOTP device and recovery codes)")
    def reset_two_factor(self, request, queryset):
        users = list(queryset)
        for user in users:
            two_factor.two_factor_reset(user=user)
        self.message_user(request, f"2FA reset for {len(users)} user(s).", messages.SUCCESS)

    @admin.action(description="Reactivate selected users")
    def reactivate_users(self, request, queryset):
        users = list(queryset.filter(is_active=False))
        for user in users:
            services.user_reactivate(user=user)
        self.message_user(request, f"Reactivated {len(users)} user(s).", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        """Toggling "active" on the form (de)activates through the service too."""
        toggled = change and "is_active" in form.changed_data
        super().save_model(request, obj, form, change)
        if toggled and obj.is_active:
            services.user_reactivate(user=obj)
        elif toggled:
            services.user_deactivate(user=obj)
