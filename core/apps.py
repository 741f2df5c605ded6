from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from core.metrics import celery_tasks

        celery_tasks.connect()
        _check_throttle_rates()


def _check_throttle_rates() -> None:
    """A bad THROTTLE_*_RATE stops the start, not every request."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from core.throttling import parse_rate

    for name in ("THROTTLE_ANON_RATE", "THROTTLE_USER_RATE"):
        try:
            parse_rate(getattr(settings, name))
        except (KeyError, ValueError) as exc:
            raise ImproperlyConfigured(
                f"{name} must look like 120/min (count/s|min|hour|day), not "
                f"{getattr(settings, name)!r}"
            ) from exc
