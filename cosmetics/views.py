"""Thin views: validate input, call one service or selector, serialise."""

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import ValidationFailed
from core.idempotency import HEADER as IDEMPOTENCY_HEADER
from core.idempotency import MAX_KEY_LENGTH as IDEMPOTENCY_KEY_MAX
from core.idempotency import run_idempotent
from core.pagination import LimitOffsetPagination
from core.schema import error_responses
from cosmetics import cache, selectors, services
from cosmetics.errors import CosmeticNotFound
from cosmetics.filters import LIST_PARAMS, CosmeticFilter
from cosmetics.models import SLOT_FIELDS, InventoryItem
from cosmetics.serializers import (
    CosmeticPurchaseRequestSerializer,
    CosmeticSerializer,
    InventoryItemSerializer,
    LoadoutSerializer,
    LoadoutUnequipRequestSerializer,
    WalletSerializer,
    WalletTransactionSerializer,
)

TAGS = ["cosmetics"]
WALLET_TAGS = ["wallet"]
ID_PARAM = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _cosmetic_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise CosmeticNotFound("No such cosmetic.")


def _validated(serializer_class, data):
    body = serializer_class(data=data)
    if not body.is_valid():
        raise ValidationFailed(details=body.errors)
    return body.validated_data


def _loadout_body(loadout) -> dict:
    slots = {field: getattr(loadout, field) for field in SLOT_FIELDS.values()}
    return LoadoutSerializer({"user_id": loadout.user_id, **slots}).data


class ShopListApi(generics.ListAPIView):
    serializer_class = CosmeticSerializer
    filterset_class = CosmeticFilter
    list_query_params = LIST_PARAMS

    def get_queryset(self):
        return selectors.cosmetics_on_sale()

    @extend_schema(
        operation_id="cosmetics_shop_list",
        responses={200: CosmeticSerializer(many=True), **error_responses(400, 429)},
        tags=TAGS,
        description="The shop: cosmetics on sale now (active, inside their sale window, "
        "priced in at least one currency). Unknown filter values are a 400. `type`, `rarity` "
        "and `ordering` take lists, repeated (`type=skin&type=emote`) or comma-separated "
        "(`type=skin,emote`); any other parameter given twice is a 400.",
    )
    def get(self, request, *args, **kwargs):
        paginator: LimitOffsetPagination = self.paginator
        limit, offset = paginator.get_limit(request), paginator.get_offset(request)

        def produce() -> dict:
            queryset = self.filter_queryset(self.get_queryset())  # invalid filters: 400 here
            params = {
                name: request.query_params.getlist(name)
                for name in sorted(CosmeticFilter.base_filters)
                if name in request.query_params
            }

            def page() -> dict:
                results = queryset[offset : offset + limit]
                return {
                    "count": queryset.count(),
                    "results": CosmeticSerializer(results, many=True).data,
                }

            return cache.shop_page({**params, "limit": limit, "offset": offset}, page)

        page = cache.shop_page_kept(request.META.get("QUERY_STRING", ""), produce)
        paginator.request, paginator.limit, paginator.offset = request, limit, offset
        paginator.count = page["count"]
        return paginator.get_paginated_response(page["results"])


class CosmeticDetailApi(APIView):
    @extend_schema(
        operation_id="cosmetics_retrieve",
        parameters=[ID_PARAM],
        responses={200: CosmeticSerializer, **error_responses(404, 429)},
        tags=TAGS,
        description="A released, active cosmetic (on sale or not, e.g. a battle-pass reward).",
    )
    def get(self, request, pk):
        cosmetic = selectors.cosmetic_visible(cosmetic_id=_cosmetic_id(pk))
        if cosmetic is None:
            raise CosmeticNotFound("No such cosmetic.")
        return Response(CosmeticSerializer(cosmetic).data)


class InventoryApi(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = InventoryItemSerializer
    pagination_class = LimitOffsetPagination
    queryset = InventoryItem.objects.none()  # the page comes from the cache helper

    @extend_schema(
        operation_id="cosmetics_inventory",
        responses={200: InventoryItemSerializer(many=True), **error_responses(400, 401, 429)},
        tags=TAGS,
        description="The caller's cosmetics, most recently acquired first.",
    )
    def get(self, request):
        items = cache.inventory(
            request.user.pk,
            lambda: (
                InventoryItemSerializer(selectors.inventory_for(user=request.user), many=True).data
            ),
        )
        page = self.paginate_queryset(items)
        return self.get_paginated_response(page)


class CosmeticPurchaseApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cosmetics_purchase",
        parameters=[
            ID_PARAM,
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX},
                OpenApiParameter.HEADER,
                description=f"Optional, 1 to {IDEMPOTENCY_KEY_MAX} characters (surrounding "
                "spaces ignored; blank: 400). A repeat from the same user replays the first "
                "response (status and body) without charging again; kept at least 24 h.",
            ),
        ],
        request=CosmeticPurchaseRequestSerializer,
        responses={
            201: InventoryItemSerializer,
            **error_responses(
                400,
                401,
                402,
                404,
                409,
                422,
                429,
                e400="VALIDATION_ERROR (e.g. no price in that currency) or MALFORMED_REQUEST",
                e402="COSMETIC_INSUFFICIENT_FUNDS: nothing was charged",
                e404="COSMETIC_NOT_FOUND: no such cosmetic, or not on sale",
                e409="COSMETIC_ALREADY_OWNED",
                e422="IDEMPOTENCY_KEY_REUSED: same key, different request",
            ),
        },
        tags=TAGS,
        description="Buy a cosmetic with coins or premium currency, atomically.",
    )
    def post(self, request, pk):
        cosmetic_id = _cosmetic_id(pk)
        data = _validated(CosmeticPurchaseRequestSerializer, request.data)

        def purchase() -> tuple[int, dict]:
            item = services.cosmetic_purchase(
                user=request.user, cosmetic_id=cosmetic_id, currency=data["currency"]
            )
            return status.HTTP_201_CREATED, InventoryItemSerializer(item).data

        code, body, replayed = run_idempotent(request=request, action=purchase)
        response = Response(body, status=code)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class LoadoutApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cosmetics_loadout",
        responses={200: LoadoutSerializer, **error_responses(401, 429)},
        tags=TAGS,
    )
    def get(self, request):
        return Response(_loadout_body(selectors.loadout_for(user=request.user)))


class CosmeticEquipApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cosmetics_equip",
        parameters=[ID_PARAM],
        request=None,
        responses={
            200: LoadoutSerializer,
            **error_responses(
                401,
                403,
                404,
                429,
                e403="COSMETIC_NOT_OWNED",
                e404="COSMETIC_NOT_FOUND",
            ),
        },
        tags=TAGS,
        description="Equip an owned cosmetic in its type's slot, replacing the previous one.",
    )
    def post(self, request, pk):
        services.loadout_equip(user=request.user, cosmetic_id=_cosmetic_id(pk))
        return Response(_loadout_body(selectors.loadout_for(user=request.user)))


class LoadoutUnequipApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="cosmetics_unequip",
        request=LoadoutUnequipRequestSerializer,
        responses={
            200: LoadoutSerializer,
            **error_responses(400, 401, 429, e400="Unknown slot, or nothing equipped there"),
        },
        tags=TAGS,
    )
    def post(self, request):
        data = _validated(LoadoutUnequipRequestSerializer, request.data)
        services.loadout_unequip(user=request.user, slot=data["slot"])
        return Response(_loadout_body(selectors.loadout_for(user=request.user)))


class WalletApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="wallet_retrieve",
        responses={200: WalletSerializer, **error_responses(401, 429)},
        tags=WALLET_TAGS,
    )
    def get(self, request):
        return Response(WalletSerializer(selectors.wallet_balances(user=request.user)).data)


class WalletTransactionsApi(generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = WalletTransactionSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.wallet_entries(user=self.request.user)

    @extend_schema(
        operation_id="wallet_transactions",
        responses={200: WalletTransactionSerializer(many=True), **error_responses(400, 401, 429)},
        tags=WALLET_TAGS,
        description="The caller's ledger, newest first.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
