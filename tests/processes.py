"""Real processes for fault tests: a private Redis that can be stopped, and a
Celery worker in its own process that can be SIGKILLed.

The worker is `celery -A config worker --pool=solo`, started through this
module so that it runs at the test's time (time-machine, ticking) and,
if asked, kills itself with SIGKILL at the Nth hand-over of a task: the one
moment a test cannot reach from outside, between a row's commit and its
task reaching the broker.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KILL_AT = "ROLLCALL_TEST_SIGKILL_AT_PUBLISH"  # "task.name:N"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


class PrivateRedis:
    """redis-server on a port of its own, without persistence: stopping it
    loses every message it held, as an outage of the production broker can."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
        )
        assert wait_for(self._answers, 10), "redis-server did not start"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class WorkerProcess:
    def __init__(self, env: dict[str, str], at: dt.datetime, log: Path, name: str):
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.processes", at.isoformat(), "-A", "config", "worker"]
            + ["--pool=solo", "--loglevel=INFO", "-n", f"{name}@%h"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert wait_for(lambda: "ready." in self.output() or self.process.poll() is not None, 60)
        assert self.process.poll() is None, self.output()

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


def _run_worker(at: str, argv: list[str]) -> None:
    import time_machine

    time_machine.travel(dt.datetime.fromisoformat(at), tick=True).start()
    if os.environ.get(KILL_AT):
        from celery.signals import before_task_publish

        task, n = os.environ[KILL_AT].rsplit(":", 1)
        published = []

        @before_task_publish.connect(weak=False)
        def die(sender=None, **kwargs):
            if sender == task:
                published.append(sender)
                if len(published) == int(n):
                    os.kill(os.getpid(), signal.SIGKILL)

    from celery.bin.celery import main

    sys.argv = ["celery", *argv]
    main()


if __name__ == "__main__":
    _run_worker(sys.argv[1], sys.argv[2:])
