"""Shop filters (django-filter). Unknown values are a 400 with details, never an empty list."""

import django_filters as filters
from django.db.models import F

from cosmetics.models import Cosmetic, CosmeticType, Rarity

_BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]


class NullsLastOrderingFilter(filters.OrderingFilter):
    """Ordering with items lacking a value (no coin price) last either way, and a stable
    tie-break so pages never overlap."""

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        name = self.param_map.get(param.lstrip("-"), param.lstrip("-"))
        expr = F(name)
        return expr.desc(nulls_last=True) if descending else expr.asc(nulls_last=True)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.order_by(*[self.get_ordering_value(p) for p in value], "name", "id")


class CosmeticFilter(filters.FilterSet):
    type = filters.ChoiceFilter(choices=CosmeticType.choices, help_text="Cosmetic type.")
    rarity = filters.ChoiceFilter(choices=Rarity.choices, help_text="Rarity.")
    event = filters.CharFilter(field_name="event", max_length=64, help_text="Event name.")
    is_limited = filters.TypedChoiceFilter(
        choices=_BOOLEAN_CHOICES,
        coerce=lambda value: value == "true",
        help_text="`true` or `false`.",
    )
    min_price = filters.NumberFilter(
        field_name="price_coins",
        lookup_expr="gte",
        min_value=0,
        help_text="Lowest coin price (items not sold for coins are excluded).",
    )
    max_price = filters.NumberFilter(
        field_name="price_coins",
        lookup_expr="lte",
        min_value=0,
        help_text="Highest coin price (items not sold for coins are excluded).",
    )
    search = filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=100, help_text="Text in the name."
    )
    ordering = NullsLastOrderingFilter(
        fields=(
            ("price_coins", "price"),
            ("price_premium", "price_premium"),
            ("release_date", "release_date"),
            ("rarity_rank", "rarity"),
            ("name", "name"),
        ),
        help_text="Comma-separated: price, price_premium, release_date, rarity, name; "
        "prefix `-` for descending. Default: newest first.",
    )

    class Meta:
        model = Cosmetic
        fields = ["type", "rarity", "event", "is_limited", "min_price", "max_price", "search"]
