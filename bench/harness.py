"""What every bench shares, so that each one is honest in the same way.

- Production settings: DEBUG off, the cached template loader, WhiteNoise,
  secure cookies, gunicorn for pages. A bench sets nothing that production
  would not, except its own URL for the bare baseline view (bench/urls.py).
- Its database comes from the environment (BENCH_DATABASE_URL, else
  DATABASE_URL, else the development database that `make run` seeds); a
  bench never drops a database it did not create.
- Candidate and baseline run interleaved, in one process, on one machine
  state, and the machine's load is printed beside the figures.
- The last line is `ratio <candidate/baseline> (goal <= <goal>)`.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_DATABASE = "postgres://rollcall_app@127.0.0.1:5432/rollcall"


def configure(owner: bool = False) -> None:
    """Production settings for this process (and the servers it starts).
    Call before django.setup()."""
    sys.path.insert(0, str(ROOT))
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEV_DATABASE
    os.environ["DATABASE_URL"] = url
    if owner:
        os.environ["DATABASE_AS_OWNER"] = "true"
        os.environ.setdefault("DATABASE_OWNER_URL", url.replace("rollcall_app@", "rollcall@"))
    os.environ["DEBUG"] = "false"
    # A key of the bench's own, shared with the server it starts so that a
    # session made here is valid there.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"


def ms(values: list[float]) -> list[float]:
    return [v * 1000 for v in values]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def describe(name: str, seconds: list[float]) -> str:
    m = ms(seconds)
    return (
        f"{name:28} median {statistics.median(m):7.1f} ms   p95 {percentile(m, 95):7.1f} ms"
        f"   range {min(m):6.1f}-{max(m):6.1f} ms   n={len(m)}"
    )


def machine_load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} cores"


def interleave(
    pairs: dict[str, tuple[Callable[[], object], Callable[[], object]]],
    runs: int,
    warmup: int = 3,
) -> dict[str, tuple[list[float], list[float]]]:
    """Time each (candidate, baseline) pair `runs` times, alternating which
    goes first, so that drift in the machine's state falls on both."""
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in pairs}
    for run in range(warmup + runs):
        for name, (candidate, baseline) in pairs.items():
            order = [(0, candidate), (1, baseline)]
            if run % 2:
                order.reverse()
            for slot, fn in order:
                started = time.perf_counter()
                fn()
                took = time.perf_counter() - started
                if run >= warmup:
                    times[name][slot].append(took)
    return times


def ratio_line(candidate: list[float], baseline: list[float], goal: float) -> str:
    ratio = statistics.median(candidate) / statistics.median(baseline)
    return f"ratio {ratio:.2f} (goal <= {goal:g})"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(workers: int = 1, threads: int = 1, env: dict | None = None) -> Iterator[str]:
    """A gunicorn serving the project with the bench's settings; yields its
    address. `env` reaches the workers (BENCH_TRAVEL_TO: see gunicorn_conf)."""
    # Production serves hashed static files from a manifest (`make run` and
    # `make collectstatic` build it); a page without one is a 500.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True
    )
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "--config",
            str(ROOT / "bench" / "gunicorn_conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


class Browser:
    """A signed-in browser as the server sees it behind the TLS proxy: keeps
    cookies (secure ones too, as the proxy's client would) and one
    keep-alive connection; says X-Forwarded-Proto: https."""

    def __init__(self, address: str, cookies: dict[str, str] | None = None, timeout: int = 60):
        self.address = address
        self.cookies = dict(cookies or {})
        self.connection = http.client.HTTPConnection(address, timeout=timeout)

    def send(
        self, method: str, path: str, form: dict | None = None, headers: dict | None = None
    ) -> tuple[http.client.HTTPResponse, str]:
        """One request, with `headers` besides the browser's own; the
        response and its body, the cookies it sets kept."""
        sent = {
            "Host": "localhost",
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(headers or {}),
        }
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Referer"] = f"https://localhost{path}"
            sent["Origin"] = "https://localhost"
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response, text

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        response, text = self.send(method, path, form)
        return response.status, text

    def get(self, path: str) -> str:
        status, text = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} gave {status}")
        return text

    def post(self, path: str, form: dict, expect: int = 302) -> str:
        status, text = self.request("POST", path, form)
        if status != expect:
            raise RuntimeError(f"POST {path} gave {status}: {text[:300]}")
        return text


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def signed_in_cookies(user) -> dict[str, str]:
    """A session for `user` with the second factor passed, as after sign-in."""
    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Bench", confirmed=True)
    client = Client()
    client.force_login(user, backend="attendance.backends.StaffBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return {settings.SESSION_COOKIE_NAME: session.session_key}
