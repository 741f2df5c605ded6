"""The demo data of ``manage.py seed_demo`` (run by ``make run``), contributed by the apps.

An app with demo data registers its part in ``<app>/demo.py`` with ``@demo_part(order=N)``;
``demo_parts()`` finds those modules with ``autodiscover_modules``, so core names no app. Parts
run by ``order`` (players, then the shop, the season, the matches) and each is idempotent: a
second run changes nothing. A part raises ``DemoRefused`` when the database is not one the demo
may write to; the command then stops.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


class DemoRefused(Exception):
    pass


@dataclass(frozen=True)
class DemoRun:
    """What a part gets: where to report, and whether ``--force`` was given."""

    stdout: object
    force: bool = False

    def say(self, text: str) -> None:
        self.stdout.write(f"  {text}")


@dataclass(frozen=True)
class DemoPart:
    app: str
    order: int
    load: Callable[[DemoRun], None]


_PARTS: dict[str, DemoPart] = {}


def demo_part(*, order: int):
    """Decorator: ``fn(run: DemoRun)`` loads one app's demo data (idempotently)."""

    def register(fn):
        _PARTS[f"{fn.__module__}.{fn.__qualname__}"] = DemoPart(
            fn.__module__.split(".")[0], order, fn
        )
        return fn

    return register


def demo_parts() -> list[DemoPart]:
    autodiscover_modules("demo")
    return sorted(_PARTS.values(), key=lambda part: (part.order, part.app))
