from core.errors import NotFound


class NotificationNotFound(NotFound):
    """Some ids are not the caller's notifications (foreign and unknown ids look the same)."""

    code = "NOT_FOUND"
    message = "No such notification."
