"""manage.py load_catalog: validate everything first, report every error, all or nothing."""

import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from cosmetics import catalog_import
from cosmetics.models import Cosmetic

pytestmark = pytest.mark.django_db


def _entry(slug, **extra):
    return {"slug": slug, "name": slug.title(), "type": "skin", "rarity": "rare", **extra}


def _write(tmp_path, document):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return str(path)


def _load(path):
    errors = []

    class Capture:
        def write(self, text):
            errors.append(text)

    with pytest.raises(CommandError) as exc:
        call_command("load_catalog", path, stderr=Capture(), stdout=Capture())
    return str(exc.value), "".join(errors)


def test_file_with_three_errors_reports_all_three_and_changes_nothing(tmp_path):
    Cosmetic.objects.create(slug="existing", name="Old name", type="skin", rarity="common")
    path = _write(
        tmp_path,
        {
            "cosmetics": [
                _entry("existing", name="New name"),
                _entry("bad-type", type="hat"),
                _entry("fine", price_coins=100),
                _entry("negative", price_coins=-5),
                {"name": "No slug", "type": "emote", "rarity": "epic"},
            ]
        },
    )
    message, output = _load(path)
    assert "3 error(s)" in message and "nothing was changed" in message
    assert "cosmetics[1].type:" in output
    assert "cosmetics[3].price_coins:" in output
    assert "cosmetics[4].slug:" in output
    assert list(Cosmetic.objects.values_list("slug", "name")) == [("existing", "Old name")]


def test_valid_file_creates_then_updates_and_is_safe_to_run_twice(tmp_path, capsys):
    entries = [_entry("alpha", price_coins=100), _entry("beta", price_premium=5, type="trail")]
    path = _write(tmp_path, {"cosmetics": entries})
    call_command("load_catalog", path)
    call_command("load_catalog", path)
    out = capsys.readouterr().out
    assert "2 created" in out and "2 unchanged" in out
    assert Cosmetic.objects.count() == 2
    alpha = Cosmetic.objects.get(slug="alpha")
    alpha_id = alpha.pk
    Cosmetic.objects.filter(pk=alpha_id).update(owned_by_count=7)
    path = _write(tmp_path, {"cosmetics": [{"slug": "alpha", "price_coins": 80}]})
    call_command("load_catalog", path)
    alpha = Cosmetic.objects.get(slug="alpha")
    assert (alpha.pk, alpha.price_coins, alpha.name, alpha.owned_by_count) == (
        alpha_id,
        80,
        "Alpha",
        7,
    )


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"cosmetics": [], "seasonz": []}, "seasonz: Unknown section"),
        ({"cosmetics": {"slug": "x"}}, "cosmetics: Must be a list"),
        ({"cosmetics": [_entry("a"), _entry("a")]}, "cosmetics[1].slug: Duplicate slug"),
        ({"cosmetics": [_entry("a", colour="red")]}, "cosmetics[0].colour: Unknown field"),
        ({"cosmetics": ["nope"]}, "cosmetics[0]: Must be an object"),
        ([1, 2], "$: The file must hold a JSON object"),
        ('{"cosmetics": [', "line 1, column 16: Invalid JSON"),
        (
            {
                "cosmetics": [
                    _entry(
                        "w",
                        available_from="2026-12-01T00:00:00Z",
                        available_until="2026-11-01T00:00:00Z",
                    )
                ]
            },
            "cosmetics[0].available_until: Must be after available_from",
        ),
    ],
)
def test_errors_are_reported_with_their_location(tmp_path, document, expected):
    _, output = _load(_write(tmp_path, document))
    assert expected in output
    assert not Cosmetic.objects.exists()


def test_missing_file_is_an_error(tmp_path):
    _, output = _load(str(tmp_path / "missing.json"))
    assert "Cannot read the file" in output


def test_sections_registry_allows_other_apps_to_add_sections(tmp_path, monkeypatch):
    applied = []
    monkeypatch.setattr(catalog_import, "SECTIONS", dict(catalog_import.SECTIONS))

    def validate(entries, *, document):
        slugs = {c["slug"] for c in document.get("cosmetics", [])}
        errors = [
            catalog_import.CatalogError(f"extras[{i}]", "Unknown cosmetic.")
            for i, slug in enumerate(entries)
            if slug not in slugs
        ]
        return errors, entries

    catalog_import.register_section(
        "extras", validate=validate, apply=lambda c: applied.append(c) or {"seen": len(c)}, order=20
    )
    call_command("load_catalog", _write(tmp_path, {"cosmetics": [_entry("a")], "extras": ["a"]}))
    assert applied == [["a"]] and Cosmetic.objects.filter(slug="a").exists()
    _, output = _load(_write(tmp_path, {"cosmetics": [_entry("b")], "extras": ["zzz"]}))
    assert "extras[0]: Unknown cosmetic." in output
    assert not Cosmetic.objects.filter(slug="b").exists()


def test_demo_catalog_loads():
    summary = catalog_import.load_catalog(settings.BASE_DIR / "demo" / "catalog.json")
    assert summary["cosmetics"]["created"] == Cosmetic.objects.count() >= 12
    assert set(Cosmetic.objects.values_list("type", flat=True)) == {
        "skin", "emote", "banner", "nameplate", "effect", "trail",
    }  # fmt: skip
