import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reporting import health


class Command(BaseCommand):
    help = (
        "Print the checks /healthz reports, and fail when one does "
        "(docker-compose's healthcheck for beat: `health heartbeat`)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "only", nargs="*", help="check names to keep (database, redis, heartbeat, ...)"
        )

    def handle(self, *args, only, **options):
        checks = health.report(timezone.now())
        if only:
            checks = [c for c in checks if c.name in only]
        self.stdout.write(json.dumps([c.as_json() for c in checks]))
        if not checks or not all(c.ok for c in checks):
            raise CommandError("unhealthy")
