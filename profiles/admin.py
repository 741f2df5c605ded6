from django import forms
from django.contrib import admin
from django.utils.html import format_html

from profiles import services
from profiles.errors import ProfileValidationError
from profiles.models import MediaUpload, Profile
from profiles.serializers import EDITABLE_FIELDS, PRIVACY_FIELDS


class ProfileAdminForm(forms.ModelForm):
    """Runs the API's field rules; the change itself is saved through ``profile_update``."""

    class Meta:
        model = Profile
        fields = [*EDITABLE_FIELDS, *PRIVACY_FIELDS]

    def clean(self):
        cleaned = super().clean()
        data = {name: cleaned.get(name) for name in EDITABLE_FIELDS if name in self.changed_data}
        if data:
            from profiles.serializers import ProfileUpdateInputSerializer

            serializer = ProfileUpdateInputSerializer(data=data)
            if not serializer.is_valid():
                for name, errors in serializer.errors.items():
                    self.add_error(name if name in self.fields else None, errors)
        return cleaned


def _thumbnail(url: str, size: int):
    if not url:
        return "—"
    return format_html(
        '<img src="{}" width="{}" height="{}" style="border-radius:50%" alt="">', url, size, size
    )


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    form = ProfileAdminForm
    list_display = ("avatar_thumb", "display_name", "email", "level", "country", "is_public")
    list_display_links = ("avatar_thumb", "display_name")
    list_filter = ("is_public", "theme", "avatar_status")
    search_fields = ("display_name", "user__email")
    list_select_related = ("user",)
    ordering = ("display_name",)
    readonly_fields = (
        "user",
        "avatar_preview",
        "avatar_status",
        "avatar_status_reason",
        "banner_url",
        "banner_status",
        "banner_status_reason",
        "total_xp",
        "level",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False  # profiles are created with their user

    @admin.display(description="email", ordering="user__email")
    def email(self, profile):
        return profile.user.email

    @admin.display(description="avatar")
    def avatar_thumb(self, profile):
        return _thumbnail((profile.avatar_urls or {}).get("128") or profile.avatar_url, 32)

    @admin.display(description="avatar")
    def avatar_preview(self, profile):
        return _thumbnail(profile.avatar_url, 128)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        details = {k: v for k, v in data.items() if k in EDITABLE_FIELDS}
        privacy = {k: form.cleaned_data[k] for k in PRIVACY_FIELDS}
        try:
            if details:
                services.profile_update(user=obj.user, data=details)
            if any(k in data for k in PRIVACY_FIELDS):
                services.profile_update(user=obj.user, data=privacy, section="privacy")
        except ProfileValidationError as exc:  # already checked in the form; kept as a guard
            self.message_user(request, f"Not saved: {exc.details}", level="error")


@admin.register(MediaUpload)
class MediaUploadAdmin(admin.ModelAdmin):
    list_display = ("storage_path", "kind", "user", "status", "reason", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("storage_path", "user__email", "user__profile__display_name")
    list_select_related = ("user",)
    readonly_fields = ("id", "user", "kind", "storage_path", "status", "reason", "version")

    def has_add_permission(self, request):
        return False
