import pytest

from cosmetics.services import wallet_change


@pytest.fixture
def fund():
    """fund(user, coins=..., premium=...): credit through the wallet service."""

    def _fund(user, coins: int = 0, premium: int = 0):
        for currency, amount in (("coins", coins), ("premium", premium)):
            if amount:
                wallet_change(user=user, currency=currency, amount=amount, reason="test_grant")

    return _fund
