"""Errors of the accounts app, each with its API.md code and HTTP status."""

from core.errors import ApplicationError


class EmailTaken(ApplicationError):
    code = "AUTH_EMAIL_TAKEN"
    status = 409
    message = "An account with this email already exists."


class InvalidCredentials(ApplicationError):
    code = "AUTH_INVALID_CREDENTIALS"
    status = 401
    message = "Invalid email or password."


class TwoFactorRequired(ApplicationError):
    code = "AUTH_2FA_REQUIRED"
    status = 403
    message = "This account has two-factor authentication: send totp_code."


class TwoFactorInvalid(ApplicationError):
    code = "AUTH_2FA_INVALID"
    status = 403
    message = "The two-factor code is wrong, expired or already used."


class TwoFactorAlreadyEnabled(ApplicationError):
    code = "AUTH_2FA_ALREADY_ENABLED"
    status = 409
    message = "Two-factor authentication is already on; disable it first."


class TwoFactorNotSetUp(ApplicationError):
    code = "AUTH_2FA_NOT_SET_UP"
    status = 409
    message = "Call auth/2fa/setup/ first."


class TwoFactorNotEnabled(ApplicationError):
    code = "AUTH_2FA_NOT_ENABLED"
    status = 409
    message = "Two-factor authentication is not on."


class TokenRefused(ApplicationError):
    """A token sent in the body (refresh, logout) — not the Authorization header, whose errors
    come from ``accounts.authentication``."""

    code = "AUTH_TOKEN_INVALID"
    status = 401
    message = "Refresh token is invalid, revoked or already used."


class TokenBodyExpired(ApplicationError):
    code = "AUTH_TOKEN_EXPIRED"
    status = 401
    message = "Refresh token has expired: log in again."
