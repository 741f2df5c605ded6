"""The battle pass's error codes (API.md)."""

from core.errors import ApplicationError


class SeasonInactive(ApplicationError):
    code = "BATTLEPASS_SEASON_INACTIVE"
    status = 400
    message = "There is no active season."


class TierNotReached(ApplicationError):
    code = "BATTLEPASS_TIER_NOT_REACHED"
    status = 400
    message = "That tier has not been reached yet."


class AlreadyClaimed(ApplicationError):
    code = "BATTLEPASS_ALREADY_CLAIMED"
    status = 409
    message = "That reward has already been claimed."


class PremiumRequired(ApplicationError):
    code = "BATTLEPASS_PREMIUM_REQUIRED"
    status = 403
    message = "This reward needs the premium pass."


class AlreadyPremium(ApplicationError):
    code = "BATTLEPASS_ALREADY_PREMIUM"
    status = 409
    message = "The premium pass is already yours for this season."


class DailyBonusClaimed(ApplicationError):
    code = "BATTLEPASS_DAILY_BONUS_CLAIMED"
    status = 409
    message = "The daily bonus has already been taken today (UTC)."


class TiersNotForSale(ApplicationError):
    code = "BATTLEPASS_TIERS_NOT_FOR_SALE"
    status = 400
    message = "This season's battle-pass tiers are not for sale."
