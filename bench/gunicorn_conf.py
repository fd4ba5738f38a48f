"""gunicorn settings for benches: quiet, and able to stand at a chosen moment.

BENCH_TRAVEL_TO (an ISO date-time) moves each worker's clock there, ticking,
so that a register page can be measured at 09:02 on a school day whatever
the real date (the bench process travels to the same moment)."""

import os

accesslog = None
loglevel = "warning"


def post_fork(server, worker):
    moment = os.environ.get("BENCH_TRAVEL_TO")
    if moment:
        import datetime as dt

        import time_machine

        time_machine.travel(dt.datetime.fromisoformat(moment), tick=True).start()
