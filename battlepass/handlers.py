"""``match.completed`` → match XP, profile XP and season challenges: battlepass's handler,
registered in ``BattlepassConfig.ready``.

A batch of matches is applied in one transaction, in delivery order, with bulk statements
(``battlepass.match_xp``): every player's season progress row and then profile row are locked
once up front (each in one ordered statement). The idempotency guards of these effects are the
unique XP log row (user, source, match) and the unique challenge match record; the dispatcher's
``ProcessedEvent`` row is this handler's own, apart from ranking's. Matches whose players are
not active users are refused (dead-lettered).
"""

from accounts.players import matches_with_players
from battlepass.challenges import season_challenges
from battlepass.match_xp import match_xp_apply
from battlepass.selectors import season_active_get
from events.registry import handles


@handles("match.completed", batch=True)
def apply_match_xp(envelopes: list[dict]) -> dict[str, str]:
    rejected, accepted = matches_with_players(envelopes)
    matches = [envelope["data"] for envelope in accepted]
    if matches:
        season = season_active_get()  # looked up once for the whole batch
        match_xp_apply(matches, season=season, challenges=season_challenges(season))
    return rejected
