"""Default throttles; counts live in the cache (Redis in production) so every web process shares
them. A cache outage lets requests through rather than failing them (logged once per interval);
the auth limits of ``core.ratelimit`` fall back to per-process counting instead."""

import logging

from rest_framework import throttling

from core.outage import outage_report

logger = logging.getLogger(__name__)


class _FailOpenMixin:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # noqa: BLE001 - any cache backend error
            outage_report(logger, "Cache (default throttles)", exc, "requests not throttled")
            return True


class AnonRateThrottle(_FailOpenMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_FailOpenMixin, throttling.UserRateThrottle):
    pass
