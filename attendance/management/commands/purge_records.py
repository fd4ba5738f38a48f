from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from attendance import retention
from attendance.errors import RuleError


class Command(BaseCommand):
    help = (
        "Show (or, with --apply, remove) the records past their retention period. "
        "A dry run unless --apply is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply",
            action="store_true",
            help="remove them (as the database's owner: DATABASE_AS_OWNER=true)",
        )

    def handle(self, *args, apply, **options):
        today = timezone.localdate()
        try:
            lines = retention.purge(today) if apply else retention.plan(today)
        except RuleError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Removed" if apply else "Would remove"
        self.stdout.write(f"{verb} (today is {today:%-d %B %Y}):")
        for line in lines:
            before = f"{line.cutoff:%-d %B %Y}"
            self.stdout.write(
                f"  {line.count:>7,}  {line.name}: kept {line.kept}, so before {before}"
            )
        if not apply:
            self.stdout.write(
                "Nothing was removed: this was a dry run. "
                "`DATABASE_AS_OWNER=true python manage.py purge_records --apply` removes them."
            )
