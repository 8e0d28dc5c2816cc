"""manage.py import_kbli FILE: load the KBLI 2020 catalogue from a CSV.

Good lines are upserted by code in one transaction; each bad line is
printed with its line number and reason, and the command exits 1 when
there were bad lines. ``--seed`` loads the list shipped with SIPABES.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from services.sipabes.kbli import SEED_CSV, kbli_import


class Command(BaseCommand):
    help = "Import KBLI 2020 codes from a CSV (code,title,section[,risk,verified])."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="CSV file; omit with --seed")
        parser.add_argument("--seed", action="store_true", help="Load the shipped seed list.")

    def handle(self, *args, file=None, seed=False, **options):
        if not file and not seed:
            raise CommandError("Give a CSV file or --seed.")
        path = SEED_CSV if seed else Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        result = kbli_import(data)
        for line, reason in result.errors:
            self.stderr.write(f"{path}:{line}: {reason}")
        self.stdout.write(
            f"KBLI: {result.created} created, {result.updated} updated, "
            f"{len(result.errors)} bad lines skipped."
        )
        if result.errors:
            raise CommandError(f"{len(result.errors)} bad lines (listed above).", returncode=1)
