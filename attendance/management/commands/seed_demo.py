import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from attendance import two_factor
from attendance.demo import (
    DEMO_PASSWORD,
    demo_logins,
    demo_staleness,
    only_the_demo_school,
    seed_demo,
)


class Command(BaseCommand):
    help = "Create the demo school as of today (idempotent: does nothing if it already exists)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--password", default=DEMO_PASSWORD, help="password for demo users")
        parser.add_argument("--list-logins", action="store_true", help="only print the demo logins")
        parser.add_argument(
            "--code",
            action="store_true",
            help="only print the demo's second-factor code for now (the demo key's TOTP)",
        )
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="make the demo again if it no longer fits today (only in a database that "
            "holds nothing but the demo school; everything in it is replaced)",
        )

    def handle(self, *args, seed, password, list_logins, refresh, code, **options):
        if code:
            self.stdout.write(two_factor.demo_code())
            return
        if not list_logins:
            stale = demo_staleness()
            if stale and refresh:
                if not only_the_demo_school():
                    raise CommandError(
                        f"The demo school is out of date ({stale}), but this database holds "
                        "other schools too: refusing to empty it."
                    )
                self.stdout.write(f"The demo school is out of date ({stale}): making it again.")
                call_command("flush", interactive=False, verbosity=0)
            elif stale:
                self.stdout.write(
                    self.style.WARNING(
                        f"The demo school is out of date ({stale}); "
                        "`manage.py seed_demo --refresh` makes it again for today."
                    )
                )
            started = time.monotonic()

            def report(line: str) -> None:
                if report.first:
                    self.stdout.write("Seeding the demo school:")
                    report.first = False
                self.stdout.write(f"  {line} [{time.monotonic() - started:.1f} s]")

            report.first = True
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
        self.stdout.write(
            "\n  After the password, a code from an authenticator app: add the demo's key\n"
            f"  {two_factor.demo_key_base32()} (time-based, 6 digits) to any app, or run\n"
            "  `make demo-code` for the code right now. The key is the demo's only."
        )
