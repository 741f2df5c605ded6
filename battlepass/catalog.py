"""The ``"seasons"`` section of ``manage.py load_catalog`` (registered in ``BattlepassConfig``).

    "seasons": [{"season_number": 1, "name": "Neon Nights", "theme": "neon",
                 "start_date": "2026-11-01T00:00:00Z", "end_date": "2027-01-31T00:00:00Z",
                 "xp_per_tier": 1000, "max_tier": 30, "premium_price": 950, "is_active": true,
                 "tier_price": 150,
                 "rank_rewards": [{"tier": "Gold", "rewards": [{"type": "coins", "value": 500}]}],
                 "tiers": [{"tier_number": 1, "free_reward": {"type": "coins", "value": 100},
                            "premium_reward": {"type": "cosmetic", "value": "neon-striker"}}]}]

Seasons are upserted by ``season_number``. When ``tiers`` is given it is the whole tier list of
the season (tiers not listed are removed). A cosmetic reward names a slug that exists or that
the same file's ``cosmetics`` section creates. ``challenges`` (``code``, name, description,
``metric``, ``target``, ``xp_reward``) are upserted by code within the season and never removed
by a file (players' progress hangs on them). ``tier_price`` (premium currency per battle-pass
tier; null: not for sale) and ``rank_rewards`` (per final ranking tier, granted at the season's
end; a tier name of ``ranking.Tier``, rewards as the tiers' ones) are optional. ``is_active: true`` (at most one season) activates
the season, deactivating the current one.
"""

from rest_framework import serializers

from battlepass.models import BattlePassTier, RewardType, Season, SeasonChallenge, Track
from battlepass.services import season_activate
from cosmetics.catalog_import import CatalogError, flatten_errors
from cosmetics.models import Cosmetic
from ranking.models import Tier


class CatalogRewardSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=RewardType.choices)
    value = serializers.JSONField()

    def validate(self, attrs):
        value = attrs["value"]
        if attrs["type"] == RewardType.COSMETIC:
            if not isinstance(value, str) or not value:
                raise serializers.ValidationError({"value": ["A cosmetic's slug is required."]})
        elif isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise serializers.ValidationError({"value": ["A positive whole amount is required."]})
        return {"type": attrs["type"], "value": str(value)}


class CatalogTierSerializer(serializers.Serializer):
    tier_number = serializers.IntegerField(min_value=1)
    free_reward = CatalogRewardSerializer(required=False, allow_null=True)
    premium_reward = CatalogRewardSerializer(required=False, allow_null=True)


class CatalogRankRewardSerializer(serializers.Serializer):
    tier = serializers.ChoiceField(choices=Tier.choices)
    rewards = CatalogRewardSerializer(many=True, allow_empty=False)


class CatalogChallengeSerializer(serializers.ModelSerializer):
    class Meta:
        model = SeasonChallenge
        fields = ["code", "name", "description", "metric", "target", "xp_reward"]
        extra_kwargs = {"target": {"min_value": 1}, "xp_reward": {"min_value": 1}}
        validators: list = []  # (season, code) is the upsert key


class CatalogSeasonSerializer(serializers.ModelSerializer):
    tiers = CatalogTierSerializer(many=True, required=False)
    challenges = CatalogChallengeSerializer(many=True, required=False)
    rank_rewards = CatalogRankRewardSerializer(many=True, required=False)
    is_active = serializers.BooleanField(required=False, default=False)
    season_number = serializers.IntegerField(min_value=1)  # the upsert key: no uniqueness check

    class Meta:
        model = Season
        fields = [
            "season_number",
            "name",
            "theme",
            "start_date",
            "end_date",
            "xp_per_tier",
            "max_tier",
            "premium_price",
            "tier_price",
            "rank_rewards",
            "is_active",
            "tiers",
            "challenges",
        ]
        extra_kwargs = {"xp_per_tier": {"min_value": 1}, "max_tier": {"min_value": 1}}

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"end_date": ["Must be after start_date."]})
        max_tier = attrs.get("max_tier", getattr(self.instance, "max_tier", 100))
        tiers = attrs.get("tiers", [])
        problems: list[dict] = [{} for _ in tiers]
        seen: set[int] = set()
        for index, tier in enumerate(tiers):
            number = tier["tier_number"]
            if number > max_tier:
                problems[index] = {"tier_number": [f"Above max_tier ({max_tier})."]}
            elif number in seen:
                problems[index] = {"tier_number": [f"Tier {number} is listed twice."]}
            seen.add(number)
        if any(problems):
            raise serializers.ValidationError({"tiers": problems})
        codes = [c["code"] for c in attrs.get("challenges", [])]
        duplicated = [
            {"code": [f"Code {code!r} is listed twice."]} if codes.index(code) != i else {}
            for i, code in enumerate(codes)
        ]
        if any(duplicated):
            raise serializers.ValidationError({"challenges": duplicated})
        names = [entry["tier"] for entry in attrs.get("rank_rewards", [])]
        repeated = [
            {"tier": [f"Tier {name!r} is listed twice."]} if names.index(name) != i else {}
            for i, name in enumerate(names)
        ]
        if any(repeated):
            raise serializers.ValidationError({"rank_rewards": repeated})
        return attrs


def _listify(detail):
    """DRF reports a nested list's errors as ``{index: errors}``; as a list, ``flatten_errors``
    locates them ``tiers[index]`` like the cosmetics section's."""
    if isinstance(detail, dict):
        if detail and all(isinstance(key, int) for key in detail):
            items = [{} for _ in range(max(detail) + 1)]
            for key, value in detail.items():
                items[key] = _listify(value)
            return items
        return {key: _listify(value) for key, value in detail.items()}
    return detail


def _file_cosmetic_slugs(document: dict) -> set[str]:
    entries = document.get("cosmetics")
    if not isinstance(entries, list):
        return set()
    return {e["slug"] for e in entries if isinstance(e, dict) and isinstance(e.get("slug"), str)}


def validate_seasons(entries, *, document: dict) -> tuple[list[CatalogError], list[dict]]:
    if not isinstance(entries, list):
        return [CatalogError("seasons", "Must be a list of season objects.")], []
    errors: list[CatalogError] = []
    cleaned: list[dict] = []
    known_slugs = _file_cosmetic_slugs(document)
    allowed = set(CatalogSeasonSerializer.Meta.fields)
    first_index: dict[int, int] = {}
    active: list[int] = []
    for index, entry in enumerate(entries):
        where = f"seasons[{index}]"
        if not isinstance(entry, dict):
            errors.append(CatalogError(where, "Must be an object."))
            continue
        for key in sorted(set(entry) - allowed):
            errors.append(CatalogError(f"{where}.{key}", "Unknown field."))
        number = entry.get("season_number")
        if isinstance(number, int) and number in first_index:
            errors.append(
                CatalogError(
                    f"{where}.season_number",
                    f"Duplicate season_number {number} (first at seasons[{first_index[number]}]).",
                )
            )
            continue
        if isinstance(number, int):
            first_index[number] = index
        existing = (
            Season.objects.filter(season_number=number).first() if isinstance(number, int) else None
        )
        serializer = CatalogSeasonSerializer(
            instance=existing, data={k: v for k, v in entry.items() if k in allowed}
        )
        serializer.partial = existing is not None
        if not serializer.is_valid():
            errors.extend(flatten_errors(where, _listify(serializer.errors)))
            continue
        data = dict(serializer.validated_data)
        errors.extend(_check_cosmetic_slugs(where, data.get("tiers", []), known_slugs))
        errors.extend(_check_rank_reward_slugs(where, data.get("rank_rewards", []), known_slugs))
        errors.extend(_check_rank_rewards_frozen(where, existing, data))
        if data.get("is_active"):
            active.append(index)
        cleaned.append(data)
    if len(active) > 1:
        errors.append(
            CatalogError("seasons", f"At most one season may be active (seasons {active} are).")
        )
    return errors, cleaned


def _check_cosmetic_slugs(where: str, tiers: list[dict], known: set[str]) -> list[CatalogError]:
    wanted = {
        (index, track, tier[f"{track}_reward"]["value"])
        for index, tier in enumerate(tiers)
        for track in Track.values
        if tier.get(f"{track}_reward") and tier[f"{track}_reward"]["type"] == RewardType.COSMETIC
    }
    slugs = {slug for _, _, slug in wanted}
    in_db = set(Cosmetic.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    return [
        CatalogError(f"{where}.tiers[{index}].{track}_reward.value", f"No cosmetic {slug!r}.")
        for index, track, slug in sorted(wanted)
        if slug not in in_db and slug not in known
    ]


def _check_rank_reward_slugs(
    where: str, entries: list[dict], known: set[str]
) -> list[CatalogError]:
    wanted = [
        (i, j, reward["value"])
        for i, entry in enumerate(entries)
        for j, reward in enumerate(entry["rewards"])
        if reward["type"] == RewardType.COSMETIC
    ]
    in_db = set(
        Cosmetic.objects.filter(slug__in={s for *_, s in wanted}).values_list("slug", flat=True)
    )
    return [
        CatalogError(f"{where}.rank_rewards[{i}].rewards[{j}].value", f"No cosmetic {slug!r}.")
        for i, j, slug in wanted
        if slug not in in_db and slug not in known
    ]


def _rank_rewards_key(entries) -> list:
    return [
        (str(e.get("tier")), [(r.get("type"), str(r.get("value"))) for r in e.get("rewards", [])])
        for e in entries or []
        if isinstance(e, dict)
    ]


def _check_rank_rewards_frozen(where: str, existing, data: dict) -> list[CatalogError]:
    """A season whose end is running or done keeps its rank rewards: the end grants (or has
    granted) exactly those; the file may repeat them unchanged."""
    if existing is None or "rank_rewards" not in data or existing.state not in ("ending", "ended"):
        return []
    if _rank_rewards_key(data["rank_rewards"]) == _rank_rewards_key(existing.rank_rewards):
        return []
    return [
        CatalogError(
            f"{where}.rank_rewards",
            f"Season {existing.season_number} is {existing.state}: its rank rewards cannot change.",
        )
    ]


def _rank_rewards_stored(entries: list[dict]) -> list[dict]:
    return [{"tier": str(e["tier"]), "rewards": [dict(r) for r in e["rewards"]]} for e in entries]


def _tier_fields(tier: dict) -> dict:
    fields = {}
    for track in Track.values:
        reward = tier.get(f"{track}_reward")
        fields[f"{track}_reward_type"] = reward["type"] if reward else ""
        fields[f"{track}_reward_value"] = reward["value"] if reward else ""
    return fields


def apply_seasons(cleaned: list[dict]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "tiers": 0, "challenges": 0}
    to_activate = None
    for data in cleaned:
        tiers = data.pop("tiers", None)
        challenges = data.pop("challenges", [])
        is_active = data.pop("is_active", False)
        if "rank_rewards" in data:
            data["rank_rewards"] = _rank_rewards_stored(data["rank_rewards"])
        season = (
            Season.objects.select_for_update().filter(season_number=data["season_number"]).first()
        )
        if season is None:
            season = Season.objects.create(**data)
            counts["created"] += 1
        else:
            for name, value in data.items():
                setattr(season, name, value)
            season.save()
            counts["updated"] += 1
        if tiers is not None:
            BattlePassTier.objects.filter(season=season).exclude(
                tier_number__in=[t["tier_number"] for t in tiers]
            ).delete()
            for tier in tiers:
                row = BattlePassTier.objects.filter(
                    season=season, tier_number=tier["tier_number"]
                ).first()
                row = row or BattlePassTier(season=season, tier_number=tier["tier_number"])
                for name, value in _tier_fields(tier).items():
                    setattr(row, name, value)
                row.save()
                counts["tiers"] += 1
        for challenge in challenges:
            fields = {k: v for k, v in challenge.items() if k != "code"}
            SeasonChallenge.objects.update_or_create(
                season=season, code=challenge["code"], defaults=fields
            )
            counts["challenges"] += 1
        if is_active:
            to_activate = season
    if to_activate is not None:
        season_activate(season=to_activate)
    return counts
