"""The demo players of ``seed_demo``: three named accounts to log in with and nine rivals, each
with a country (one private, to show what boards hide), created once."""

from django.db import transaction

from accounts.models import User
from accounts.services import user_register
from core.demo import DemoRefused, DemoRun, demo_part
from profiles.models import Profile

DEMO_PASSWORD = "demo-password-1v1"
# (email, display name, country, public profile)
DEMO_PLAYERS = [
    ("demo@1v1bro.local", "DemoPlayer", "US", True),
    ("rival@1v1bro.local", "RivalBro", "GB", True),
    ("ace@1v1bro.local", "AceOfSpades", "DE", True),
    ("nova@1v1bro.local", "NovaBlast", "SE", True),
    ("kite@1v1bro.local", "KiteRunner", "FR", True),
    ("shadow@1v1bro.local", "ShadowStep", "US", False),
    ("pixel@1v1bro.local", "PixelPusher", "BR", True),
    ("rook@1v1bro.local", "RookieRook", "JP", True),
    ("blitz@1v1bro.local", "BlitzKrieg", "KR", True),
    ("maple@1v1bro.local", "MapleSyrup", "CA", True),
    ("toro@1v1bro.local", "ToroLoco", "ES", True),
    ("frost@1v1bro.local", "FrostByte", "SE", True),
]
DEMO_EMAILS = [email for email, *_ in DEMO_PLAYERS]


def demo_users() -> list[User]:
    """The demo players in ``DEMO_PLAYERS`` order (those that exist)."""
    users = {u.email: u for u in User.objects.filter(email__in=DEMO_EMAILS)}
    return [users[email] for email in DEMO_EMAILS if email in users]


@demo_part(order=10)
def load_demo_players(run: DemoRun) -> None:
    if User.objects.exclude(email__in=DEMO_EMAILS).exists() and not run.force:
        raise DemoRefused("The database has other users: demo data not loaded (--force seeds).")
    existing = set(User.objects.filter(email__in=DEMO_EMAILS).values_list("email", flat=True))
    with transaction.atomic():
        for email, name, country, public in DEMO_PLAYERS:
            if email in existing:
                continue
            user = user_register(email=email, password=DEMO_PASSWORD, display_name=name)
            Profile.objects.filter(user=user).update(country=country, is_public=public)
            run.say(f"player {email} / {DEMO_PASSWORD}")
    if existing:
        run.say(f"{len(existing)} demo players already there")
