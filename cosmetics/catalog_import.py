"""The catalog file format of ``manage.py load_catalog`` and its section registry.

A catalog file is a JSON object whose keys are sections (``"cosmetics"`` here; other apps register
more, e.g. the battle pass's seasons). Each section has a validator and a loader:

    register_section("seasons", validate=..., apply=..., order=20)

``validate(entries, document=...) -> (errors, cleaned)`` must not write anything; every error is a
``CatalogError(location, message)`` with a location such as ``cosmetics[2].rarity``. The whole
file is validated first; only if no section reported an error are the sections applied, in
``order``, in one transaction: ``apply(cleaned) -> {"created": n, "updated": n, ...}``.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.validators import slug_re
from django.db import transaction
from rest_framework import serializers

from cosmetics.models import Cosmetic
from cosmetics.services import catalog_changed


@dataclass(frozen=True)
class CatalogError:
    location: str
    message: str

    def __str__(self):
        return f"{self.location}: {self.message}"


@dataclass(frozen=True)
class Section:
    name: str
    validate: Callable[..., tuple[list[CatalogError], Any]]
    apply: Callable[[Any], dict[str, int]]
    order: int


SECTIONS: dict[str, Section] = {}


def register_section(name: str, *, validate, apply, order: int = 100) -> None:
    """Register (or replace) a section of the catalog file format."""
    SECTIONS[name] = Section(name=name, validate=validate, apply=apply, order=order)


class CatalogInvalid(Exception):
    def __init__(self, errors: list[CatalogError]):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s) in the catalog file.")


def flatten_errors(prefix: str, detail) -> list[CatalogError]:
    """DRF error details → one CatalogError per message, located by field path."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            where = prefix if key == "non_field_errors" else f"{prefix}.{key}"
            out.extend(flatten_errors(where, value))
        return out
    if isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            return [CatalogError(prefix, str(message)) for message in detail]
        out = []
        for index, value in enumerate(detail):
            out.extend(flatten_errors(f"{prefix}[{index}]", value))
        return out
    return [CatalogError(prefix, str(detail))]


# --- the "cosmetics" section -------------------------------------------------------------------


class CatalogCosmeticSerializer(serializers.ModelSerializer):
    """One catalog entry. Fields left out keep their current value (new items: the defaults)."""

    slug = serializers.SlugField(max_length=80)  # no uniqueness check: it is the upsert key

    class Meta:
        model = Cosmetic
        fields = [
            "slug",
            "name",
            "description",
            "type",
            "rarity",
            "price_coins",
            "price_premium",
            "image_url",
            "preview_video_url",
            "event",
            "is_limited",
            "release_date",
            "available_from",
            "available_until",
            "is_active",
        ]

    def validate(self, attrs):
        start = attrs.get("available_from", getattr(self.instance, "available_from", None))
        end = attrs.get("available_until", getattr(self.instance, "available_until", None))
        if start and end and end <= start:
            raise serializers.ValidationError(
                {"available_until": ["Must be after available_from."]}
            )
        return attrs


def validate_cosmetics(entries, *, document: dict) -> tuple[list[CatalogError], list[dict]]:
    if not isinstance(entries, list):
        return [CatalogError("cosmetics", "Must be a list of cosmetic objects.")], []
    errors: list[CatalogError] = []
    cleaned: list[dict] = []
    allowed = set(CatalogCosmeticSerializer.Meta.fields)
    first_index: dict[str, int] = {}
    for index, entry in enumerate(entries):
        where = f"cosmetics[{index}]"
        if not isinstance(entry, dict):
            errors.append(CatalogError(where, "Must be an object."))
            continue
        for key in sorted(set(entry) - allowed):
            errors.append(CatalogError(f"{where}.{key}", "Unknown field."))
        slug = entry.get("slug")
        is_slug = isinstance(slug, str) and slug_re.fullmatch(slug) is not None
        existing = Cosmetic.objects.filter(slug=slug).first() if is_slug else None
        serializer = CatalogCosmeticSerializer(
            instance=existing, data={k: v for k, v in entry.items() if k in allowed}
        )
        # New items need every required field; existing ones may list only what changes.
        serializer.partial = existing is not None
        if not serializer.is_valid():
            errors.extend(flatten_errors(where, serializer.errors))
            continue
        if slug in first_index:
            errors.append(
                CatalogError(
                    f"{where}.slug",
                    f"Duplicate slug {slug!r} (first at cosmetics[{first_index[slug]}]).",
                )
            )
            continue
        first_index[slug] = index
        cleaned.append(dict(serializer.validated_data))
    return errors, cleaned


def apply_cosmetics(cleaned: list[dict]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for data in cleaned:
        slug = data.pop("slug")
        cosmetic = Cosmetic.objects.select_for_update().filter(slug=slug).first()
        if cosmetic is None:
            Cosmetic.objects.create(slug=slug, **data)
            counts["created"] += 1
            continue
        changed = [name for name, value in data.items() if getattr(cosmetic, name) != value]
        if not changed:
            counts["unchanged"] += 1
            continue
        for name in changed:
            setattr(cosmetic, name, data[name])
        cosmetic.save(update_fields=[*changed, "updated_at"])
        counts["updated"] += 1
    if counts["created"] or counts["updated"]:
        catalog_changed()
    return counts


register_section("cosmetics", validate=validate_cosmetics, apply=apply_cosmetics, order=10)


# --- the file ------------------------------------------------------------------------------------


def read_document(path: str | Path) -> dict:
    """Parse the file; unreadable or malformed files raise CatalogInvalid with the location."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogInvalid([CatalogError(str(path), f"Cannot read the file: {exc.strerror}.")])
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogInvalid(
            [CatalogError(f"line {exc.lineno}, column {exc.colno}", f"Invalid JSON: {exc.msg}.")]
        )
    if not isinstance(document, dict):
        raise CatalogInvalid([CatalogError("$", "The file must hold a JSON object of sections.")])
    return document


def validate_document(document: dict) -> dict[str, Any]:
    """Every section's cleaned data; raises CatalogInvalid listing every error of the file."""
    errors: list[CatalogError] = []
    cleaned: dict[str, Any] = {}
    for name in document:
        if name not in SECTIONS:
            known = ", ".join(sorted(SECTIONS))
            errors.append(CatalogError(name, f"Unknown section (known: {known})."))
    for section in sorted(SECTIONS.values(), key=lambda s: s.order):
        if section.name not in document:
            continue
        section_errors, cleaned[section.name] = section.validate(
            document[section.name], document=document
        )
        errors.extend(section_errors)
    if errors:
        raise CatalogInvalid(errors)
    return cleaned


def load_catalog(path: str | Path) -> dict[str, dict[str, int]]:
    """Validate the whole file, then apply every section in one transaction."""
    document = read_document(path)
    cleaned = validate_document(document)
    with transaction.atomic():
        return {
            section.name: section.apply(cleaned[section.name])
            for section in sorted(SECTIONS.values(), key=lambda s: s.order)
            if section.name in cleaned
        }
