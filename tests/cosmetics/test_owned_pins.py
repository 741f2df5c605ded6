"""Buying what one owns is COSMETIC_ALREADY_OWNED (409, API.md) whatever the wallet holds and
whether or not the item is sold in that currency: ownership is decided first, so a player who
owns an item is never told to top up or to pay another way."""

import pytest

from core.errors import ApplicationError
from cosmetics import services
from cosmetics.models import InventoryItem, WalletEntry
from tests.cosmetics.factories import CosmeticFactory


@pytest.mark.django_db
@pytest.mark.parametrize("currency", ["coins", "premium"])
def test_buying_an_owned_item_with_an_empty_wallet_is_409(user, currency):
    cosmetic = CosmeticFactory(price_coins=0, price_premium=None)
    services.cosmetic_purchase(user=user, cosmetic_id=cosmetic.pk, currency="coins")
    cosmetic.price_coins = 100
    cosmetic.save()
    with pytest.raises(ApplicationError) as exc:
        services.cosmetic_purchase(user=user, cosmetic_id=cosmetic.pk, currency=currency)
    assert (exc.value.status, exc.value.code) == (409, "COSMETIC_ALREADY_OWNED")
    assert InventoryItem.objects.filter(user=user).count() == 1
    assert not WalletEntry.objects.filter(wallet__user=user).exists()
