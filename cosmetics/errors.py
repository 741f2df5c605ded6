"""Domain errors of the shop and wallet (codes from API.md)."""

from core.errors import ApplicationError


class CosmeticNotFound(ApplicationError):
    code = "COSMETIC_NOT_FOUND"
    status = 404
    message = "No such cosmetic, or it is not on sale."


class CosmeticAlreadyOwned(ApplicationError):
    code = "COSMETIC_ALREADY_OWNED"
    status = 409
    message = "You already own this cosmetic."


class InsufficientFunds(ApplicationError):
    code = "COSMETIC_INSUFFICIENT_FUNDS"
    status = 402
    message = "Not enough funds."


class CosmeticNotOwned(ApplicationError):
    code = "COSMETIC_NOT_OWNED"
    status = 403
    message = "You do not own this cosmetic."
