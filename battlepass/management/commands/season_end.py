import json

from django.core.management.base import BaseCommand, CommandError

from battlepass.models import Season
from battlepass.season_end import season_end_plan, season_end_problems, season_end_run
from core.errors import ValidationFailed


class Command(BaseCommand):
    help = (
        "End a season: freeze the final standings, grant rank rewards and unclaimed battle-pass "
        "rewards, soft-reset ELO, rebuild the boards, deactivate it and notify every player. "
        "Idempotent and resumable: run it again after an interruption."
    )

    def add_arguments(self, parser):
        parser.add_argument("season_number", type=int)
        parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
        parser.add_argument("--chunk-size", type=int, default=None, help="players per transaction")
        parser.add_argument("--no-progress", action="store_true", help="no per-chunk lines")

    def handle(self, *args, season_number, dry_run=False, chunk_size=None, **options):
        season = Season.objects.filter(season_number=season_number).first()
        if season is None:
            raise CommandError(f"No season {season_number}.")
        problems = season_end_problems(season)
        if problems:
            raise CommandError(
                f"Season {season_number} cannot be ended ({len(problems)} problem(s), nothing "
                "changed):\n  " + "\n  ".join(problems)
            )
        if chunk_size is not None and chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        if dry_run:
            self._print_plan(season_end_plan(season))
            return
        if season.state == "ended":
            self.stdout.write(f"Season {season_number} has already ended; nothing to do.")
            return
        quiet = options["no_progress"]
        totals: dict[str, int] = {}

        def progress(result):
            totals[result.phase] = totals.get(result.phase, 0) + result.done
            if not quiet:
                self.stdout.write(f"[{result.phase}] {totals[result.phase]} done", ending="\n")
                self.stdout.flush()

        try:
            run = season_end_run(season=season, chunk_size=chunk_size, progress=progress)
        except ValidationFailed as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            self.style.SUCCESS(f"Season {season_number} ended: {json.dumps(run.counts)}")
        )

    def _print_plan(self, plan: dict) -> None:
        self.stdout.write(
            f"Dry run: season {plan['season_number']} ({plan['state']}), {plan['players']} "
            f"ranked players; ELO reset factor {plan['reset_factor']}. Nothing changed."
        )
        for row in plan["tiers"]:
            rewards = ", ".join(f"{r['type']} {r['value']}" for r in row["rewards"]) or "none"
            self.stdout.write(
                f"  {row['tier']:<12} {row['players']:>9} players  rewards: {rewards}"
            )
        self.stdout.write(
            f"  unclaimed battle-pass rewards: {plan['unclaimed_rewards']} for "
            f"{plan['unclaimed_players']} players"
        )
