"""Players of a reported match: the one check that needs users (they exist and may play: a
deactivated player is refused like an unknown one). Used at ingestion (registered by ranking
as the ``match.completed`` check) and by the match handlers of ranking and battlepass."""

from accounts.models import User


def active_players(ids) -> set[str]:
    """The ids (strings) of the active users among ``ids``, in one query."""
    found = User.objects.filter(is_active=True, pk__in={str(i) for i in ids})
    return {str(pk) for pk in found.values_list("pk", flat=True)}


def match_player_problems(data: dict, players: set | None = None) -> dict[str, list[str]]:
    """Field → messages: each player of ``data`` must be an active user (``players``: the
    result of ``active_players`` when the caller has it)."""
    if players is None:
        players = active_players([data["player1_id"], data["player2_id"]])
    return {
        key: ["No such player."]
        for key in ("player1_id", "player2_id")
        if str(data[key]) not in players
    }


def describe(problems: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in problems.items())


def matches_with_players(envelopes: list[dict]) -> tuple[dict[str, str], list[dict]]:
    """A batch of ``match.completed`` envelopes split in one query: (event id → why refused,
    the envelopes whose players are all active, in order)."""
    players = active_players(
        {e["data"][k] for e in envelopes for k in ("player1_id", "player2_id")}
    )
    rejected, accepted = {}, []
    for envelope in envelopes:
        problems = match_player_problems(envelope["data"], players)
        if problems:
            rejected[envelope["event_id"]] = describe(problems)
        else:
            accepted.append(envelope)
    return rejected, accepted
