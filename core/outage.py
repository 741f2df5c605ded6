"""Report a dependency outage (Redis, the cache) once per interval, not once per request.

An outage seen by every request would otherwise write a warning with a traceback for each of
them and bury everything else in the log. The first failure of a component is logged at once
(exception class and text, no traceback); repeats within ``OUTAGE_LOG_INTERVAL_SECONDS`` are
counted and the count is given with the next report.
"""

import logging
import threading
import time

from django.conf import settings

_lock = threading.Lock()
_last_report: dict[str, float] = {}
_suppressed: dict[str, int] = {}


def outage_report(logger: logging.Logger, component: str, exc: BaseException, effect: str) -> None:
    """Log "``component`` unavailable (…): ``effect``" unless it was logged within the interval."""
    now = time.monotonic()
    interval = settings.OUTAGE_LOG_INTERVAL_SECONDS
    with _lock:
        last = _last_report.get(component)
        if last is not None and now - last < interval:
            _suppressed[component] = _suppressed.get(component, 0) + 1
            return
        _last_report[component] = now
        repeats = _suppressed.pop(component, 0)
    since = f" ({repeats} more since the last report)" if repeats else ""
    logger.warning(
        "%s unavailable (%s: %s): %s%s",
        component,
        type(exc).__name__,
        exc,
        effect,
        since,
        extra={"outage": component},
    )


def outage_reports_reset() -> None:
    """Forget what was reported (tests start each case with a clean slate)."""
    with _lock:
        _last_report.clear()
        _suppressed.clear()
