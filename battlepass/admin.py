"""Admin: seasons with their tiers inline, "activate" and "generate tiers" actions; player
progress, claims and the XP log read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.html import format_html

from battlepass import services
from battlepass.models import (
    BattlePassTier,
    ChallengeProgress,
    DailyBonusClaim,
    PlayerSeasonProgress,
    RewardClaim,
    Season,
    SeasonChallenge,
    SeasonEnd,
    SeasonRankReward,
    XPLog,
)
from core.admin import ReadOnlyAdmin
from core.errors import ApplicationError


class CosmeticSlugInput(forms.TextInput):
    """A text input offering every cosmetic as "slug — name" (a datalist)."""

    template_name = "battlepass/widgets/cosmetic_slug_input.html"

    def get_context(self, name, value, attrs):
        from cosmetics.models import Cosmetic

        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["list"] = "battlepass-cosmetic-slugs"
        context["cosmetics"] = list(Cosmetic.objects.order_by("slug").values_list("slug", "name"))
        return context


class TierInlineForm(forms.ModelForm):
    class Meta:
        model = BattlePassTier
        fields = [
            "tier_number",
            "free_reward_type",
            "free_reward_value",
            "premium_reward_type",
            "premium_reward_value",
        ]
        widgets = {
            "free_reward_value": CosmeticSlugInput(attrs={"size": 18}),
            "premium_reward_value": CosmeticSlugInput(attrs={"size": 18}),
        }
        help_texts = {
            "free_reward_value": "Cosmetic slug, or the amount of coins / xp.",
            "premium_reward_value": "Cosmetic slug, or the amount of coins / xp.",
        }


def _reward_label(tier: BattlePassTier, track: str) -> str:
    reward = tier.reward(track) if tier.pk else None
    if reward is None:
        return "—"
    kind, value, cosmetic = reward
    if cosmetic is not None:
        return format_html(
            "{} <small>({}, {})</small>", cosmetic.name, cosmetic.type, cosmetic.rarity
        )
    return f"{value} {kind}"


class TierInline(admin.TabularInline):
    model = BattlePassTier
    form = TierInlineForm
    extra = 0
    ordering = ["tier_number"]
    readonly_fields = ["free_reward_shown", "premium_reward_shown"]
    fields = [
        "tier_number",
        "free_reward_type",
        "free_reward_value",
        "free_reward_shown",
        "premium_reward_type",
        "premium_reward_value",
        "premium_reward_shown",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("free_reward_cosmetic", "premium_reward_cosmetic")
        )

    @admin.display(description="free reward")
    def free_reward_shown(self, obj):
        return _reward_label(obj, "free")

    @admin.display(description="premium reward")
    def premium_reward_shown(self, obj):
        return _reward_label(obj, "premium")


class ChallengeInline(admin.TabularInline):
    model = SeasonChallenge
    extra = 0
    ordering = ["code"]
    fields = ["code", "name", "description", "metric", "target", "xp_reward"]


class GenerateTiersForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=1000, initial=30, label="Number of tiers")
    coins = forms.IntegerField(min_value=1, initial=100, label="Coins per tier (free track)")


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = [
        "season_number",
        "name",
        "theme",
        "start_date",
        "end_date",
        "max_tier",
        "xp_per_tier",
        "premium_price",
        "tier_price",
        "is_active",
        "state_shown",
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "theme"]
    readonly_fields = [
        "id",
        "is_active",
        "state_shown",
        "season_end_shown",
        "created_at",
        "updated_at",
    ]
    inlines = [TierInline, ChallengeInline]
    actions = ["activate_season", "generate_tiers", "end_season"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("end_run")

    @admin.display(description="state")
    def state_shown(self, obj):
        return "—" if obj._state.adding else obj.state

    @admin.display(description="season end")
    def season_end_shown(self, obj):
        from django.urls import reverse

        if obj._state.adding or obj.state not in ("ending", "ended"):
            return "—"
        run = obj.end_run
        standings = reverse("admin:ranking_seasonstanding_changelist")
        rewards = reverse("admin:battlepass_seasonrankreward_changelist")
        return format_html(
            "phase {} · {} · <a href='{}?season_number={}'>final standings</a> · "
            "<a href='{}?season__id__exact={}'>rank rewards granted</a> · "
            "<a href='{}?season__id__exact={}&at_season_end__exact=1'>unclaimed rewards granted</a>",
            run.phase,
            run.counts,
            standings,
            obj.season_number,
            rewards,
            obj.pk,
            reverse("admin:battlepass_rewardclaim_changelist"),
            obj.pk,
        )

    @admin.action(description="End the selected season (standings, rewards, ELO reset)")
    def end_season(self, request, queryset):
        from django.db import transaction

        from battlepass.season_end import season_end_start
        from battlepass.tasks import end_season

        for season in queryset:
            if season.state == "ended":
                self.message_user(request, f"{season} has already ended.", messages.WARNING)
                continue
            try:
                season_end_start(season=season)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            transaction.on_commit(lambda pk=season.pk: end_season.delay(str(pk)))
            self.message_user(
                request,
                f"{season} is ending; the job runs in the background (state shown here).",
                messages.SUCCESS,
            )

    @admin.action(description="Activate the selected season (deactivates the current one)")
    def activate_season(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one season to activate.", messages.ERROR)
            return None
        season = queryset.get()
        try:
            services.season_activate(season=season)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return None
        self.message_user(request, f"{season} is now the active season.", messages.SUCCESS)
        return None

    @admin.action(description="Generate tiers with a repeating coin reward")
    def generate_tiers(self, request, queryset):
        form = GenerateTiersForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            total = 0
            for season in queryset:
                try:
                    total += services.season_generate_tiers(
                        season=season,
                        count=form.cleaned_data["count"],
                        coins=form.cleaned_data["coins"],
                    )
                except (ApplicationError, ValidationError) as exc:
                    self.message_user(request, f"{season}: {exc}", messages.ERROR)
            self.message_user(request, f"{total} tiers created.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Generate tiers",
            "form": form,
            "seasons": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "battlepass/admin/generate_tiers.html", context)


@admin.register(PlayerSeasonProgress)
class PlayerSeasonProgressAdmin(ReadOnlyAdmin):
    list_display = ["user", "season", "current_xp", "current_tier", "is_premium", "updated_at"]
    list_filter = ["season", "is_premium"]
    search_fields = ["user__email", "user__profile__display_name"]
    list_select_related = ["user", "season"]


@admin.register(RewardClaim)
class RewardClaimAdmin(ReadOnlyAdmin):
    list_display = [
        "user",
        "season",
        "tier",
        "track",
        "reward_type",
        "granted_type",
        "at_season_end",
        "created_at",
    ]
    list_filter = ["season", "track", "reward_type", "at_season_end"]
    search_fields = ["user__email"]
    list_select_related = ["user", "season"]


@admin.register(XPLog)
class XPLogAdmin(ReadOnlyAdmin):
    list_display = ["user", "amount", "source", "match_id", "season", "new_tier", "created_at"]
    list_filter = ["source", "season"]
    search_fields = ["user__email", "match_id"]
    list_select_related = ["user", "season"]


@admin.register(ChallengeProgress)
class ChallengeProgressAdmin(ReadOnlyAdmin):
    list_display = ["user", "challenge", "progress", "completed_at", "updated_at"]
    list_filter = ["challenge__season", "challenge__metric"]
    search_fields = ["user__email", "challenge__code"]
    list_select_related = ["user", "challenge"]


@admin.register(DailyBonusClaim)
class DailyBonusClaimAdmin(ReadOnlyAdmin):
    list_display = ["user", "day", "streak_days", "xp_awarded", "created_at"]
    list_filter = ["day"]
    search_fields = ["user__email"]
    list_select_related = ["user"]


@admin.register(SeasonEnd)
class SeasonEndAdmin(ReadOnlyAdmin):
    list_display = ["season", "phase", "counts", "started_at", "finished_at"]
    list_select_related = ["season"]


@admin.register(SeasonRankReward)
class SeasonRankRewardAdmin(ReadOnlyAdmin):
    list_display = [
        "user",
        "season",
        "rank_tier",
        "reward_type",
        "reward_value",
        "granted_type",
        "granted_value",
        "created_at",
    ]
    list_filter = ["season", "rank_tier", "reward_type"]
    search_fields = ["user__email"]
    list_select_related = ["user", "season"]
