import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ranking.backfill import backfill_elo
from ranking.csv_import import read_csv

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Replay every recorded match in played_at order from 1200 and rewrite ratings and the "
        "per-match ELO columns, then rebuild the leaderboards. Optionally import historical "
        "matches from CSV first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from-csv",
            metavar="FILE",
            help="import matches first: match_id, player1, player2, winner, played_at, "
            "duration_seconds[, player1_score, player2_score]; players by email or id",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows of a CSV with bad ones",
        )
        parser.add_argument("--dry-run", action="store_true", help="report, change nothing")
        parser.add_argument("--batch-size", type=int, default=50_000)
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args, from_csv=None, skip_invalid=False, dry_run=False, **options):
        no_progress = options["no_progress"]
        csv_report = None
        if from_csv:
            try:
                csv_report = read_csv(from_csv)
            except OSError as exc:
                raise CommandError(f"Cannot read {from_csv}: {exc}")
            for line, problem in csv_report.errors[:MAX_ERRORS_SHOWN]:
                self.stderr.write(f"{from_csv}:{line}: {problem}")
            if len(csv_report.errors) > MAX_ERRORS_SHOWN:
                self.stderr.write(f"… and {len(csv_report.errors) - MAX_ERRORS_SHOWN} more")
            if csv_report.errors and not skip_invalid:
                raise CommandError(
                    f"{len(csv_report.errors)} invalid row(s) of {csv_report.rows}; nothing "
                    "imported (fix them, or pass --skip-invalid to import the valid rows)."
                )
            self.stdout.write(
                f"CSV: {csv_report.rows} rows, {len(csv_report.valid)} to import, "
                f"{csv_report.already_recorded} already recorded, "
                f"{len(csv_report.errors)} invalid skipped."
            )

        def bar(total):
            return tqdm(
                total=total,
                desc="replay",
                unit="match",
                file=sys.stderr,
                mininterval=1.0,
                disable=no_progress,
            )

        rebuild_bar = tqdm(
            desc="leaderboards", unit="player", file=sys.stderr, disable=no_progress or dry_run
        )
        with rebuild_bar:
            report = backfill_elo(
                csv_report=csv_report,
                dry_run=dry_run,
                batch_size=options["batch_size"],
                progress_factory=bar,
                rebuild_progress=rebuild_bar,
            )
        prefix = "Dry run, nothing changed. Would have" if dry_run else "Backfill"
        self.stdout.write(
            f"{prefix}: imported {report.imported} matches; replayed {report.matches} matches "
            f"({report.matches_per_second:,.0f} matches/s, {report.seconds:.1f} s); "
            f"{report.matches_changed} match rows rewritten; ratings: "
            f"{report.ratings_changed} changed, {report.ratings_created} created, "
            f"{report.ratings_removed} removed."
        )
