"""Shop filters (django-filter). Unknown values are a 400 with details, never an empty list.

``type``, ``rarity`` and ``ordering`` take several values, repeated (``?type=skin&type=emote``,
what generated clients send) or comma-separated (``?type=skin,emote``); both mean the same list.
Every other parameter is single-valued (given twice: a 400, see ``core.middleware``)."""

import django_filters as filters
from django import forms
from django.db.models import F
from drf_spectacular.utils import extend_schema_field

from cosmetics.models import Cosmetic, CosmeticType, Rarity

MAX_PRICE = 2**31 - 1


class RepeatedOrCommaWidget(forms.SelectMultiple):
    """``?x=a,b`` and ``?x=a&x=b`` alike: one list, in the order given."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [
            part.strip() for value in values if value for part in value.split(",") if part.strip()
        ]


class ChoiceListFilter(filters.MultipleChoiceFilter):
    """Any of the given choices (OR); repeated or comma-separated."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", RepeatedOrCommaWidget)
        super().__init__(*args, **kwargs)


class OrderingListFilter(ChoiceListFilter):
    """Sort keys (``-`` prefix: descending), first key first; items lacking a value (no coin
    price) last either way, and a stable tie-break so pages never overlap."""

    def __init__(self, *args, fields: dict[str, str], **kwargs):
        self.param_map = fields
        choices = [
            (key, f"{name}, {order}")
            for name in fields
            for key, order in ((name, "ascending"), (f"-{name}", "descending"))
        ]
        super().__init__(*args, choices=choices, **kwargs)

    def _order(self, param: str):
        expr = F(self.param_map[param.lstrip("-")])
        return expr.desc(nulls_last=True) if param.startswith("-") else expr.asc(nulls_last=True)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.order_by(*[self._order(p) for p in value], "name", "id")


def _documented(filter_, schema: dict):
    """The filter's schema in the OpenAPI document, with its help text as description."""
    description = filter_.extra.get("help_text")
    extend_schema_field({**schema, **({"description": description} if description else {})})(
        filter_
    )
    return filter_


class StrictBooleanFilter(filters.TypedChoiceFilter):
    """``true`` or ``false`` only (a boolean in the schema)."""

    def __init__(self, *args, **kwargs):
        kwargs.update(choices=[("true", "true"), ("false", "false")], coerce=lambda v: v == "true")
        super().__init__(*args, **kwargs)
        _documented(self, {"type": "boolean"})


class IntegerFilter(filters.NumberFilter):
    """Whole numbers only: ``1.5`` is a 400, as the schema's ``integer`` says."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int, max_value: int, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)
        _documented(self, {"type": "integer", "minimum": min_value, "maximum": max_value})


class CosmeticFilter(filters.FilterSet):
    type = ChoiceListFilter(choices=CosmeticType.choices, help_text="Cosmetic types (any of).")
    rarity = ChoiceListFilter(choices=Rarity.choices, help_text="Rarities (any of).")
    event = filters.CharFilter(field_name="event", max_length=64, help_text="Event name.")
    is_limited = StrictBooleanFilter(
        help_text="`true`: limited-edition items only; `false`: regular items only."
    )
    min_price = IntegerFilter(
        field_name="price_coins",
        lookup_expr="gte",
        min_value=0,
        max_value=MAX_PRICE,
        help_text="Lowest coin price (items not sold for coins are excluded).",
    )
    max_price = IntegerFilter(
        field_name="price_coins",
        lookup_expr="lte",
        min_value=0,
        max_value=MAX_PRICE,
        help_text="Highest coin price (items not sold for coins are excluded).",
    )
    search = filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=100, help_text="Text in the name."
    )
    ordering = OrderingListFilter(
        fields={
            "price": "price_coins",
            "price_premium": "price_premium",
            "release_date": "release_date",
            "rarity": "rarity_rank",
            "name": "name",
        },
        help_text="Sort keys, first key first: price, price_premium, release_date, rarity, "
        "name; prefix `-` for descending. Default: newest first.",
    )

    class Meta:
        model = Cosmetic
        fields = ["type", "rarity", "event", "is_limited", "min_price", "max_price", "search"]


# Query parameters of the shop that take a list (``core.middleware`` refuses other repeats).
LIST_PARAMS = frozenset(
    name for name, f in CosmeticFilter.base_filters.items() if isinstance(f, ChoiceListFilter)
)
