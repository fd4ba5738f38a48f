import argparse
import datetime as dt
import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from attendance import backups
from attendance.errors import RuleError

logger = logging.getLogger("rollcall.backups")


def _time_of_day(value: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"a time like 02:00, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Back up the database and the private media into one archive in BACKUP_DIR, "
        "and delete archives older than BACKUP_KEEP_DAYS. Runs as the database's owner "
        "(DATABASE_AS_OWNER=true)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--daily-at",
            type=_time_of_day,
            metavar="HH:MM",
            help="keep running and back up every day at this time (Rollcall's time zone); "
            "the docker-compose backup service runs this",
        )

    def handle(self, *args, daily_at, **options):
        if daily_at is None:
            self.back_up()
            return
        self.stdout.write(f"Backing up every day at {daily_at:%H:%M} into {settings.BACKUP_DIR}.")
        while True:
            due = backups.next_run(timezone.now(), daily_at)
            time.sleep(max(0.0, (due - timezone.now()).total_seconds()))
            try:
                self.back_up()
            except Exception:
                # Logged at ERROR (Sentry hears of it) and tried again tomorrow:
                # one failed night must not stop the nights after it.
                logger.exception("The nightly backup failed")

    def back_up(self) -> None:
        try:
            made = backups.make_backup(timezone.now())
        except RuleError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backed up to {made.path} ({made.bytes / 1e6:.1f} MB, {made.media_files} media "
            f"files) in {made.seconds:.1f} s."
        )
        for path in made.removed:
            self.stdout.write(
                f"  Deleted {path.name} (older than {settings.BACKUP_KEEP_DAYS} days)."
            )
        logger.info(
            "backup made",
            extra={
                "bytes": made.bytes,
                "seconds": round(made.seconds, 1),
                "removed": len(made.removed),
            },
        )
