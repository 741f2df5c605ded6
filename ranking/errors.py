from core.errors import NotFound


class UserNotRanked(NotFound):
    code = "LEADERBOARD_USER_NOT_RANKED"
    message = "This player has no rating yet (no match played)."
