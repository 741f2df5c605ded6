"""Domain errors carrying a stable code from API.md's table and their HTTP status.

Services raise these; the one exception handler turns them into the error envelope, so no view
ever builds an error response by hand.
"""

from typing import Any


class ApplicationError(Exception):
    code = "ERROR"
    status = 400
    message = "The request could not be completed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ):
        self.message = message or self.message
        self.code = code or self.code
        self.status = status or self.status
        self.details = details or {}
        self.headers = headers or {}
        super().__init__(self.message)


class ValidationFailed(ApplicationError):
    code = "VALIDATION_ERROR"
    status = 400
    message = "Invalid input."


class NotFound(ApplicationError):
    code = "NOT_FOUND"
    status = 404
    message = "Not found."


class Conflict(ApplicationError):
    code = "CONFLICT"
    status = 409
    message = "Conflict."


class PermissionDenied(ApplicationError):
    code = "PERMISSION_DENIED"
    status = 403
    message = "You do not have permission to perform this action."


class RequestTooLarge(ApplicationError):
    code = "REQUEST_TOO_LARGE"
    status = 413
    message = "The request body is over the size limit."


class RateLimited(ApplicationError):
    code = "RATE_LIMITED"
    status = 429
    message = "Too many requests."

    def __init__(self, retry_after: int, message: str | None = None, *, code: str | None = None):
        retry_after = max(1, int(retry_after))
        super().__init__(
            message or f"Too many requests. Try again in {retry_after} s.",
            code=code,
            details={"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )
