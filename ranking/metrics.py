"""Leaderboard gauges, read when the web processes' ``/metrics`` is scraped: whether the Redis
sorted sets are built and players per board, from the ``BoardSize`` table (one row per board, no
count over the ratings) and, when built, the sets' sizes (one pipelined round trip) — the two
differ only while updates are in flight or when the sets drifted (``rebuild_leaderboards``)."""

import logging

import redis
from prometheus_client.core import GaugeMetricFamily

from ranking import leaderboard
from ranking.models import BoardSize

logger = logging.getLogger(__name__)


class LeaderboardCollector:
    def collect(self):
        sizes = dict(BoardSize.objects.order_by("board").values_list("board", "players"))
        players = GaugeMetricFamily(
            "ranking_leaderboard_players",
            "Listed players per board (BoardSize): board is 'global' or a country code.",
            labels=["board"],
        )
        for board, count in sizes.items():
            players.add_metric([board], count)
        yield players

        built, members = False, {}
        client = leaderboard.client_or_none()
        if client is not None:
            try:
                built, members = leaderboard.status(client, list(sizes))
            except redis.RedisError:
                logger.warning("Leaderboard status from Redis failed", exc_info=True)
        yield GaugeMetricFamily(
            "ranking_leaderboards_built",
            "1 when the Redis sorted sets are built (reads answer from Redis), else 0 (from SQL).",
            value=1 if built else 0,
        )
        if built:
            in_redis = GaugeMetricFamily(
                "ranking_leaderboard_redis_players",
                "Members of each board's Redis sorted set.",
                labels=["board"],
            )
            for board, count in members.items():
                in_redis.add_metric([board], count)
            yield in_redis
