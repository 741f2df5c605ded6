"""Live-ops admin: the shop catalog, and wallets/ledger read-only with a "grant currency" action
that goes through ``wallet_change`` like every other balance change."""

from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.template.response import TemplateResponse
from django.utils.html import format_html

from core.admin import ReadOnlyAdmin
from core.errors import ApplicationError
from cosmetics import services
from cosmetics.models import Cosmetic, Currency, Wallet, WalletEntry


@admin.register(Cosmetic)
class CosmeticAdmin(admin.ModelAdmin):
    list_display = (
        "preview",
        "name",
        "slug",
        "type",
        "rarity",
        "price_coins",
        "price_premium",
        "event",
        "is_limited",
        "is_active",
        "available_from",
        "available_until",
        "owned_by_count",
    )
    list_display_links = ("preview", "name")
    list_filter = ("type", "rarity", "event", "is_active", "is_limited")
    search_fields = ("name", "slug", "event", "description")
    readonly_fields = ("id", "owned_by_count", "preview", "created_at", "updated_at")
    ordering = ("-release_date", "name")
    actions = ("activate", "deactivate")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (None, {"fields": ("id", "slug", "name", "description", "type", "rarity")}),
        ("Prices (empty: not sold in that currency)", {"fields": ("price_coins", "price_premium")}),
        ("Media", {"fields": ("image_url", "preview_video_url", "preview")}),
        (
            "Availability",
            {
                "fields": (
                    "is_active",
                    "event",
                    "is_limited",
                    "release_date",
                    "available_from",
                    "available_until",
                )
            },
        ),
        ("Stats", {"fields": ("owned_by_count", "created_at", "updated_at")}),
    )

    @admin.display(description="Image")
    def preview(self, obj):
        if not obj.image_url:
            return "—"
        return format_html(
            '<img src="{}" alt="{}" style="max-height:48px;max-width:96px">',
            obj.image_url,
            obj.name,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.catalog_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        services.catalog_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        services.catalog_changed()

    @admin.action(description="Activate selected cosmetics", permissions=["change"])
    def activate(self, request, queryset):
        changed = services.cosmetics_set_active(queryset=queryset, is_active=True)
        self.message_user(request, f"{changed} cosmetic(s) activated.", messages.SUCCESS)

    @admin.action(description="Deactivate selected cosmetics", permissions=["change"])
    def deactivate(self, request, queryset):
        changed = services.cosmetics_set_active(queryset=queryset, is_active=False)
        self.message_user(request, f"{changed} cosmetic(s) deactivated.", messages.SUCCESS)


class GrantCurrencyForm(forms.Form):
    currency = forms.ChoiceField(choices=Currency.choices)
    amount = forms.IntegerField(help_text="Negative to remove (refused below zero).")
    reason = forms.CharField(max_length=200)
    reference = forms.CharField(max_length=200, required=False)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError("Must not be zero.")
        return amount


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ("user", "coins", "premium", "updated_at")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    readonly_fields = ("user", "coins", "premium", "created_at", "updated_at")
    ordering = ("-updated_at",)
    actions = ("grant_currency",)

    @admin.action(description="Grant currency to selected wallets", permissions=["grant"])
    def grant_currency(self, request, queryset):
        form = GrantCurrencyForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    for wallet in queryset.select_related("user").order_by("pk"):
                        services.wallet_change(
                            user=wallet.user,
                            currency=data["currency"],
                            amount=data["amount"],
                            reason=data["reason"],
                            reference=data["reference"] or f"admin:{request.user.email}",
                        )
            except ApplicationError as exc:
                self.message_user(
                    request, f"Refused, nothing changed: {exc.message}", messages.ERROR
                )
                return None
            self.message_user(
                request,
                f"{data['amount']:+d} {data['currency']} granted to {queryset.count()} wallet(s).",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Grant currency",
            "opts": self.model._meta,
            "form": form,
            "wallets": queryset.select_related("user"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/cosmetics/wallet/grant_currency.html", context)

    def has_grant_permission(self, request):
        return request.user.has_perm("cosmetics.change_wallet")


@admin.register(WalletEntry)
class WalletEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "wallet", "currency", "amount", "balance_after", "reason")
    list_filter = ("currency", "reason")
    search_fields = ("wallet__user__email", "reason", "reference")
    list_select_related = ("wallet__user",)
    readonly_fields = (
        "id",
        "wallet",
        "currency",
        "amount",
        "balance_after",
        "reason",
        "reference",
        "created_at",
    )
    ordering = ("-created_at",)
