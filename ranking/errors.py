from core.errors import ApplicationError, NotFound, PermissionDenied


class UserNotRanked(NotFound):
    code = "LEADERBOARD_USER_NOT_RANKED"
    message = "This player has no rating yet (no match played)."


class ProfileNotFound(NotFound):
    code = "PROFILE_NOT_FOUND"
    message = "No such profile."


class ProfilePrivate(PermissionDenied):
    code = "PROFILE_PRIVATE"
    message = "This profile is private."


__all__ = ["ApplicationError", "ProfileNotFound", "ProfilePrivate", "UserNotRanked"]
