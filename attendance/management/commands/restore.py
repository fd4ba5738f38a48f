import tarfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from attendance import backups
from attendance.errors import RuleError


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup`: the database (as its owner, "
        "DATABASE_AS_OWNER=true), the application role's grants, and the private media. "
        "Refuses a database with tables or a media folder with files unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the archive (rollcall-<UTC time>.tar)")
        parser.add_argument(
            "--database",
            help="restore into this database (made if missing) instead of the configured one",
        )
        parser.add_argument(
            "--media-root", type=Path, help="restore the files here instead of MEDIA_ROOT"
        )
        parser.add_argument("--no-media", action="store_true", help="leave the files out")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the tables of a database that has them, and files already there "
            "(stop web, worker and beat first)",
        )

    def handle(self, *args, file, database, media_root, no_media, force, **options):
        try:
            restored = backups.restore_backup(
                file,
                database=database,
                media_root=media_root,
                restore_media=not no_media,
                force=force,
            )
        except (RuleError, OSError, tarfile.TarError) as exc:
            raise CommandError(str(exc)) from exc
        made = "a new database" if restored.created else "the database"
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {restored.taken_at} into {made} "
                f"{restored.database!r} in {restored.seconds:.1f} s, with the application "
                "role's grants."
            )
        )
        if restored.media_root:
            self.stdout.write(f"  {restored.media_files} media files into {restored.media_root}.")
        self.stdout.write(
            "  If the backup is older than this version of Rollcall, run the migrations "
            "next (DATABASE_AS_OWNER=true python manage.py migrate)."
        )
