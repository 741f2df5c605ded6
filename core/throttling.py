"""Default throttles; counts live in the cache (Redis in production) so every web process shares
them. A cache outage lets requests through rather than failing them."""

import logging

from rest_framework import throttling

logger = logging.getLogger(__name__)


class _FailOpenMixin:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("Throttle cache unavailable; request allowed", exc_info=True)
            return True


class AnonRateThrottle(_FailOpenMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_FailOpenMixin, throttling.UserRateThrottle):
    pass
