"""Loads the small demo data set of the run command, only into an empty database."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User

DEMO_PASSWORD = "demo-password-1v1"
DEMO_PLAYERS = [
    ("demo@1v1bro.local", "DemoPlayer", "US"),
    ("rival@1v1bro.local", "RivalBro", "GB"),
    ("ace@1v1bro.local", "AceOfSpades", "DE"),
]


class Command(BaseCommand):
    help = f"Create demo players (password: {DEMO_PASSWORD}) when the database has no users."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Seed even if users exist.")

    def handle(self, *args, force=False, **options):
        if User.objects.exists() and not force:
            self.stdout.write("Database already has users: demo data not loaded.")
            return
        from accounts.services import user_register

        with transaction.atomic():
            for email, name, country in DEMO_PLAYERS:
                if User.objects.filter(email=email).exists():
                    continue
                user = user_register(email=email, password=DEMO_PASSWORD, display_name=name)
                user.profile.country = country
                user.profile.save(update_fields=["country"])
                self.stdout.write(f"  player {email} / {DEMO_PASSWORD}")
        # --- cosmetics: the demo shop (demo/catalog.json) and starting balances ---
        from cosmetics.demo import load_demo_shop

        load_demo_shop(emails=[email for email, _, _ in DEMO_PLAYERS], stdout=self.stdout)
        # --- battlepass: the demo season, 30 tiers (demo/season.json) ---
        from battlepass.demo import load_demo_season

        load_demo_season(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
