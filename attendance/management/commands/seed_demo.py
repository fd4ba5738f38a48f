import time

from django.core.management.base import BaseCommand

from attendance.demo import DEMO_PASSWORD, demo_logins, seed_demo


class Command(BaseCommand):
    help = "Create the demo school as of today (idempotent: does nothing if it already exists)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--password", default=DEMO_PASSWORD, help="password for demo users")
        parser.add_argument("--list-logins", action="store_true", help="only print the demo logins")

    def handle(self, *args, seed, password, list_logins, **options):
        if not list_logins:
            started = time.monotonic()

            def report(line: str) -> None:
                self.stdout.write(f"  {line} [{time.monotonic() - started:.1f} s]")

            self.stdout.write("Seeding the demo school:")
            school, created = seed_demo(seed=seed, password=password, report=report)
            if created:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Created the demo school {school} in {time.monotonic() - started:.0f} s."
                    )
                )
            else:
                self.stdout.write(f"The demo school {school} already exists; nothing changed.")
        for login in demo_logins():
            self.stdout.write(f"    {login.username:<20} {login.role:<20} {login.who}")
