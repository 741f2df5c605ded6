"""Cache backends that count gets, hits, misses and failures (django-prometheus's
``django_cache_get_*_total`` counters, label ``backend``). django-prometheus ships such
backends too, but its Redis one needs django-redis and its local-memory one takes a cached
falsy value for a miss; these wrap Django's own backends."""

from django.core.cache.backends import locmem, redis
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

_MISSING = object()


class _CountedGets:
    metrics_label = ""

    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend=self.metrics_label).inc()
        try:
            value = super().get(key, _MISSING, version)
        except Exception:
            django_cache_get_fail_total.labels(backend=self.metrics_label).inc()
            raise
        if value is _MISSING:
            django_cache_misses_total.labels(backend=self.metrics_label).inc()
            return default
        django_cache_hits_total.labels(backend=self.metrics_label).inc()
        return value


class RedisCache(_CountedGets, redis.RedisCache):
    metrics_label = "redis"


class LocMemCache(_CountedGets, locmem.LocMemCache):
    metrics_label = "locmem"
