"""``manage.py seed_demo``: the demo data every app contributes (``core.demo``)."""

from django.core.management.base import BaseCommand

from core.demo import DemoRefused, DemoRun, demo_parts


class Command(BaseCommand):
    help = (
        "Load the demo data of `make run`: demo players, the demo shop and season, and a few "
        "dozen matches played through the real match path. Safe to repeat (nothing changes the "
        "second time); refused on a database with other users unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Seed even if non-demo users exist."
        )

    def handle(self, *args, force=False, **options):
        run = DemoRun(stdout=self.stdout, force=force)
        try:
            for part in demo_parts():
                self.stdout.write(f"{part.app}:")
                part.load(run)
        except DemoRefused as exc:
            self.stdout.write(str(exc))
            return
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
