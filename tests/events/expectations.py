"""What the database must hold after a set of matches was applied, whatever the order."""

from collections import Counter, defaultdict

from battlepass.handlers import apply_match_xp
from battlepass.models import ChallengeProgress, PlayerSeasonProgress, SeasonChallenge, XPLog
from battlepass.services import calculate_match_xp
from events.models import ProcessedEvent
from events.registry import handler_name
from profiles.models import Profile
from ranking.handlers import apply_match_ratings
from ranking.models import MatchResult, PlayerRating

START_ELO = 1200


def expected_xp(match: dict) -> dict[str, int]:
    xp = {}
    for side in ("player1", "player2"):
        player = match[f"{side}_id"]
        won = None if match["winner_id"] is None else match["winner_id"] == player
        xp[player] = calculate_match_xp(
            won=won,
            kills=match[f"{side}_kills"],
            streak=match[f"{side}_streak"],
            duration_seconds=match["duration_seconds"],
        )
    return xp


def make_challenges(season) -> list:
    """Match-metric challenges: one that most players complete, two they only progress on."""
    return [
        SeasonChallenge.objects.create(
            season=season, code=code, name=code, metric=metric, target=target, xp_reward=reward
        )
        for code, metric, target, reward in (
            ("play-two", "matches_played", 2, 40),
            ("win-many", "wins", 1000, 500),
            ("kill-many", "kills", 100_000, 500),
        )
    ]


def challenge_bonus(matches: list[dict], season) -> Counter:
    """Check each player's challenge rows against the matches; returns challenge XP per player."""
    totals = defaultdict(Counter)
    for m in matches:
        for side in ("player1", "player2"):
            pid = m[f"{side}_id"]
            totals[pid]["matches_played"] += 1
            totals[pid]["wins"] += int(m["winner_id"] == pid)
            totals[pid]["kills"] += m[f"{side}_kills"]
    bonus = Counter()
    rows = {
        (str(r.user_id), r.challenge_id): r
        for r in ChallengeProgress.objects.filter(challenge__season=season)
    }
    for challenge in SeasonChallenge.objects.filter(season=season):
        for pid, metrics in totals.items():
            value = metrics[challenge.metric]
            row = rows.get((pid, challenge.pk))
            assert (row.progress if row else 0) == value, (pid, challenge.code)
            done = value >= challenge.target
            assert (row is not None and row.completed_at is not None) == done
            if done:
                bonus[pid] += challenge.xp_reward
    assert XPLog.objects.filter(source="season_challenge").count() == sum(
        1
        for _ in ChallengeProgress.objects.filter(
            challenge__season=season, completed_at__isnull=False
        )
    )
    return bonus


def assert_applied_once(matches: list[dict], *, season=None, event_ids=None) -> None:
    """Every match applied exactly once: one result per match id, ELO chains that add up to each
    rating, win/loss/draw counts, two XP logs per match with the formula's amounts, challenge
    progress, profile and battle-pass XP equal to the sums, one ProcessedEvent per match event."""
    by_id = {m["match_id"]: m for m in matches}
    results = list(MatchResult.objects.all())
    assert sorted(str(r.match_id) for r in results) == sorted(by_id)

    deltas, record = Counter(), defaultdict(Counter)
    for r in results:
        m = by_id[str(r.match_id)]
        assert (str(r.player1_id), str(r.player2_id)) == (m["player1_id"], m["player2_id"])
        d1 = r.player1_post_elo - r.player1_pre_elo
        d2 = r.player2_post_elo - r.player2_pre_elo
        assert d1 == -d2
        deltas[m["player1_id"]] += d1
        deltas[m["player2_id"]] += d2
        for side in ("player1", "player2"):
            pid = m[f"{side}_id"]
            outcome = (
                "draws"
                if m["winner_id"] is None
                else ("wins" if m["winner_id"] == pid else "losses")
            )
            record[pid][outcome] += 1
    ratings = {str(r.user_id): r for r in PlayerRating.objects.all()}
    assert set(ratings) == set(deltas)
    for pid, rating in ratings.items():
        assert rating.current_elo == START_ELO + deltas[pid], pid
        counts = record[pid]
        assert (rating.wins, rating.losses, rating.draws) == (
            counts["wins"],
            counts["losses"],
            counts["draws"],
        )

    xp_total = Counter()
    for m in matches:
        for pid, amount in expected_xp(m).items():
            xp_total[pid] += amount
    logs = list(XPLog.objects.filter(source="match"))
    assert len(logs) == 2 * len(matches)
    assert Counter((str(log.user_id), log.match_id) for log in logs) == Counter(
        (pid, m["match_id"]) for m in matches for pid in (m["player1_id"], m["player2_id"])
    )
    logged = Counter()
    for log in logs:
        assert log.amount == expected_xp(by_id[log.match_id])[str(log.user_id)]
        logged[str(log.user_id)] += log.amount
    assert logged == xp_total
    if season is not None:
        xp_total += challenge_bonus(matches, season)
    profiles = dict(
        Profile.objects.filter(user_id__in=list(xp_total)).values_list("user_id", "total_xp")
    )
    assert {str(k): v for k, v in profiles.items()} == dict(xp_total)
    if season is not None:
        progress = PlayerSeasonProgress.objects.filter(season=season)
        assert {str(p.user_id): p.current_xp for p in progress} == dict(xp_total)
        for p in progress:
            assert p.current_tier == season.tier_for_xp(p.current_xp)
    assert ProcessedEvent.objects.filter(handler=handler_name(apply_match_xp)).count() == len(
        matches
    )
    processed = ProcessedEvent.objects.filter(handler=handler_name(apply_match_ratings))
    assert processed.count() == len(matches)
    if event_ids is not None:
        assert {str(e) for e in processed.values_list("event_id", flat=True)} == set(event_ids)
