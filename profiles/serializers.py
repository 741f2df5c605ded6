"""Profile field rules (input) and the Profile shapes of API.md (output)."""

import re
import unicodedata

from django.core.validators import URLValidator
from django_countries import countries
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from profiles.display_names import MAX_LENGTH, MIN_LENGTH, DisplayNameInvalid, display_name_clean
from profiles.imaging import ALLOWED_TYPES
from profiles.models import Profile, Theme

SOCIAL_NETWORKS = ("twitch", "youtube", "twitter")
PRIVACY_FIELDS = ("is_public", "accept_friend_requests", "allow_messages")
EDITABLE_FIELDS = (
    "display_name",
    "bio",
    "country",
    "social_links",
    "title",
    "banner_color",
    "theme",
)
_HEX_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
_http_url = URLValidator(schemes=["http", "https"])


def _no_control_characters(value: str, *, allow_newlines: bool = False) -> str:
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        raise serializers.ValidationError("Control characters are not allowed.")
    return value


def _with_unknown_keys(parse, data, known, message: str):
    """``parse(data)`` with errors for unknown keys reported alongside the field errors."""
    unknown = sorted(set(data) - set(known)) if isinstance(data, dict) else []
    errors = {key: [message] for key in unknown}
    try:
        value = parse(data)
    except serializers.ValidationError as exc:
        if not unknown or not isinstance(exc.detail, dict):
            raise
        raise serializers.ValidationError({**exc.detail, **errors})
    if errors:
        raise serializers.ValidationError(errors)
    return value


class StrictCharField(serializers.CharField):
    """JSON strings only: 5 or true are errors, not "5" or "True"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class DisplayNameField(StrictCharField):
    """A display name under ``profiles.display_names`` (register and PATCH profiles/me/): the
    length limits apply to the normalised name."""

    def __init__(self, **kwargs):
        super().__init__(min_length=MIN_LENGTH, max_length=MAX_LENGTH, **kwargs)

    def to_internal_value(self, data):
        try:
            return display_name_clean(super().to_internal_value(data))
        except DisplayNameInvalid as exc:
            raise serializers.ValidationError(str(exc))


@extend_schema_field({"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$", "example": "#1F2937"})
class HexColorField(StrictCharField):
    """``#RRGGBB`` (checked by ``validate_banner_color``; stored upper-case)."""


class StrictBooleanField(serializers.BooleanField):
    """JSON true/false only: "yes", 1 or "false" are errors, not guesses."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class SocialLinksInputSerializer(serializers.Serializer):
    twitch = StrictCharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    youtube = StrictCharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    twitter = StrictCharField(max_length=200, required=False, allow_blank=True, allow_null=True)

    def to_internal_value(self, data):
        return _with_unknown_keys(
            super().to_internal_value,
            data,
            SOCIAL_NETWORKS,
            "Unknown network; use twitch, youtube or twitter.",
        )

    def _url(self, value):
        if not value:
            return ""
        try:
            _http_url(value)
        except Exception:  # noqa: BLE001 - Django's ValidationError
            raise serializers.ValidationError("Enter a valid http(s) URL.")
        return value

    def validate_twitch(self, value):
        return self._url(value)

    def validate_youtube(self, value):
        return self._url(value)

    def validate_twitter(self, value):
        return self._url(value)


class ProfileUpdateInputSerializer(serializers.Serializer):
    """PATCH profiles/me/: any subset of the editable fields; unknown fields are errors."""

    display_name = DisplayNameField(required=False)
    bio = StrictCharField(max_length=200, allow_blank=True, required=False)
    country = StrictCharField(max_length=2, allow_blank=True, allow_null=True, required=False)
    social_links = SocialLinksInputSerializer(required=False)
    title = StrictCharField(max_length=50, allow_blank=True, required=False)
    banner_color = HexColorField(max_length=7, required=False)
    theme = serializers.ChoiceField(choices=Theme.choices, required=False)

    def to_internal_value(self, data):
        return _with_unknown_keys(
            super().to_internal_value, data, EDITABLE_FIELDS, "Unknown or read-only field."
        )

    def validate_title(self, value):
        return _no_control_characters(value)

    def validate_bio(self, value):
        return _no_control_characters(value, allow_newlines=True)

    def validate_country(self, value):
        if not value:
            return ""
        code = value.upper()
        if code not in countries:
            raise serializers.ValidationError(f'"{value}" is not an ISO 3166-1 alpha-2 code.')
        return code

    def validate_banner_color(self, value):
        if not _HEX_COLOR.fullmatch(value):
            raise serializers.ValidationError("Use the #RRGGBB form, e.g. #1F2937.")
        return value.upper()


class ProfilePrivacyInputSerializer(serializers.Serializer):
    """PUT profiles/me/privacy/: all three flags."""

    is_public = StrictBooleanField()
    accept_friend_requests = StrictBooleanField()
    allow_messages = StrictBooleanField()


class SocialLinksSerializer(serializers.Serializer):
    twitch = serializers.CharField(allow_null=True)
    youtube = serializers.CharField(allow_null=True)
    twitter = serializers.CharField(allow_null=True)


PUBLIC_HIDDEN_FIELDS = (
    *PRIVACY_FIELDS,
    "avatar_status",
    "avatar_status_reason",
    "banner_status",
    "banner_status_reason",
)


class ProfileSerializer(serializers.ModelSerializer):
    """A Profile: every field for the owner and staff; in another player's view the privacy
    flags and upload status are null (one shape either way, so clients parse one model)."""

    user_id = serializers.UUIDField(source="user.pk", read_only=True)
    avatar_url = serializers.SerializerMethodField()
    avatar_urls = serializers.DictField(child=serializers.URLField())
    banner_url = serializers.SerializerMethodField()
    banner_urls = serializers.DictField(child=serializers.URLField())
    social_links = serializers.SerializerMethodField()
    country = serializers.SerializerMethodField()

    class Meta:
        model = Profile
        fields = [
            "user_id",
            "display_name",
            "bio",
            "avatar_url",
            "avatar_urls",
            "banner_url",
            "banner_urls",
            "banner_color",
            "level",
            "total_xp",
            "title",
            "country",
            "social_links",
            "is_public",
            "accept_friend_requests",
            "allow_messages",
            "theme",
            "avatar_status",
            "avatar_status_reason",
            "banner_status",
            "banner_status_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            name: {
                "allow_null": True,
                "help_text": "Only the owner and staff see it; null in another player's view.",
            }
            for name in PUBLIC_HIDDEN_FIELDS
        }

    def get_avatar_url(self, profile) -> str | None:
        return profile.avatar_url or None

    def get_banner_url(self, profile) -> str | None:
        return profile.banner_url or None

    def get_country(self, profile) -> str | None:
        """ISO 3166-1 alpha-2 code, or null when not set."""
        return profile.country or None

    @staticmethod
    def _links(profile) -> dict:
        links = profile.social_links or {}
        return {name: links.get(name) or None for name in SOCIAL_NETWORKS}

    @extend_schema_field(SocialLinksSerializer)
    def get_social_links(self, profile):
        return self._links(profile)


def public_view(full: dict) -> dict:
    """Another player's view of a public profile: the same fields, privacy flags and upload
    status null."""
    return {key: None if key in PUBLIC_HIDDEN_FIELDS else value for key, value in full.items()}


@extend_schema_field(
    {
        "type": "string",
        "enum": list(ALLOWED_TYPES),
        "description": "Any other type is a 415 UPLOAD_INVALID_TYPE.",
    }
)
class _ImageTypeField(serializers.CharField):
    """Checked by the upload service (415 for other types), so not a ChoiceField's 400."""


class UploadUrlRequestSerializer(serializers.Serializer):
    content_type = _ImageTypeField(max_length=100)
    size_bytes = serializers.IntegerField(min_value=1)


class SignedUploadUrlSerializer(serializers.Serializer):
    upload_url = serializers.URLField()
    method = serializers.ChoiceField(choices=["PUT"])
    storage_path = serializers.CharField()
    expires_at = serializers.DateTimeField()
    max_size_bytes = serializers.IntegerField()
    allowed_types = serializers.ListField(
        child=serializers.ChoiceField(choices=list(ALLOWED_TYPES))
    )


class UploadConfirmRequestSerializer(serializers.Serializer):
    storage_path = serializers.CharField(max_length=200)


class UploadAcceptedSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["processing"])
