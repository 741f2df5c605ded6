"""The demo matches of ``seed_demo``: a fixed schedule of matches between the demo players,
reported through the real match path — ``events.services.match_ingest``, as ``POST matches/``
does, then the ``match.completed`` handler (in-process with the embedded defaults, through the
bus and the consumer with Pub/Sub). So ratings, boards, stats, battle-pass XP, challenges and
the notifications those events make all show something. The schedule and the match ids are
fixed: a second run reports the same ids, a replay that changes nothing."""

import random
import uuid

from core.demo import DemoRun, demo_part
from events.services import match_ingest
from profiles.demo import demo_users

DEMO_MATCHES = 40
MATCH_NAMESPACE = uuid.UUID("5d0c1c6e-3a51-4b8e-9a53-1f0e0de30000")
# Hidden skill of each demo player, in DEMO_PLAYERS order: the better one wins more often, so
# the board spreads out. The first player (demo@) plays every third match.
SKILL = [1.3, 1.1, 1.6, 1.2, 0.9, 1.0, 0.8, 0.6, 1.4, 0.7, 1.0, 0.9]


def demo_match_id(number: int) -> uuid.UUID:
    return uuid.uuid5(MATCH_NAMESPACE, f"demo-match-{number}")


def demo_schedule(player_ids: list) -> list[dict]:
    """The ``match.completed`` data of every demo match (deterministic)."""
    rng = random.Random(2026)
    matches = []
    for number in range(DEMO_MATCHES):
        if number % 3 == 0:
            one, two = 0, rng.randrange(1, len(player_ids))
        else:
            one, two = rng.sample(range(len(player_ids)), 2)
        roll = rng.random()
        share = SKILL[one] / (SKILL[one] + SKILL[two])
        winner = None if roll > 0.92 else (one if roll < share * 0.92 else two)
        # the winner made more kills (and scores); a draw is level
        kills = sorted((rng.randint(3, 25), rng.randint(3, 25)), reverse=winner != two)
        if winner is None:
            kills = [kills[0], kills[0]]
        matches.append(
            {
                "match_id": str(demo_match_id(number)),
                "player1_id": str(player_ids[one]),
                "player2_id": str(player_ids[two]),
                "winner_id": None if winner is None else str(player_ids[winner]),
                "player1_score": kills[0] * 100,
                "player2_score": kills[1] * 100,
                "duration_seconds": rng.randint(240, 900),
                "player1_kills": kills[0],
                "player2_kills": kills[1],
                "player1_streak": rng.randint(0, 6),
                "player2_streak": rng.randint(0, 6),
            }
        )
    return matches


@demo_part(order=40)
def play_demo_matches(run: DemoRun) -> None:
    players = demo_users()
    if len(players) < len(SKILL):
        run.say("demo players missing: no demo matches")
        return
    new = sum(match_ingest(data=data)[1] for data in demo_schedule([u.pk for u in players]))
    run.say(f"matches: {new} played, {DEMO_MATCHES - new} already recorded")
