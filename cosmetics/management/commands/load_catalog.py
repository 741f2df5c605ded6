"""``manage.py load_catalog FILE.json``: create or update the catalog from a file, all or nothing."""

from django.core.management.base import BaseCommand, CommandError

from cosmetics.catalog_import import CatalogInvalid, load_catalog


class Command(BaseCommand):
    help = (
        "Create or update catalog items (by slug) and any other registered section from a JSON "
        "file. The whole file is validated first; if any entry is invalid, every error is "
        "reported with its location and nothing changes. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the catalog JSON file.")

    def handle(self, *args, file, **options):
        try:
            summary = load_catalog(file)
        except CatalogInvalid as exc:
            for error in exc.errors:
                self.stderr.write(f"  {error}")
            raise CommandError(f"{len(exc.errors)} error(s) in {file}: nothing was changed.")
        for section, counts in summary.items():
            parts = ", ".join(f"{count} {name}" for name, count in counts.items())
            self.stdout.write(f"{section}: {parts}")
        self.stdout.write(self.style.SUCCESS(f"Catalog loaded from {file}."))
