"""gunicorn settings for benches: quiet, and able to stand at a chosen moment.

BENCH_TRAVEL_TO (an ISO date-time) moves each worker's clock there, ticking,
so that a register page can be measured at 09:02 on a school day whatever
the real date (the bench process travels to the same moment).

BENCH_ACCESS_LOG (a file) turns on the access log there, one line a request
with its server time in microseconds (%(D)s: from the request read to the
response written, so without any wait for a free worker) and the bench's
own X-Bench-Tag header, which says which phase and page a request was
(bench/rush.py). Without it the log stays off, as before.
"""

import os

accesslog = os.environ.get("BENCH_ACCESS_LOG") or None
access_log_format = '%(D)s %(s)s %(m)s "%({x-bench-tag}i)s" "%(U)s"'
loglevel = "warning"


def post_fork(server, worker):
    moment = os.environ.get("BENCH_TRAVEL_TO")
    if moment:
        import datetime as dt

        import time_machine

        time_machine.travel(dt.datetime.fromisoformat(moment), tick=True).start()
