"""A stand-in for GOV.UK Notify on 127.0.0.1, spoken to by the real client.

It checks what the real API checks that matters here (a bearer JWT, the JSON
fields) and can be told to fail the next N requests with a 500, to be slow
to answer the next N (it accepts them, then replies late), or to hang on the
Nth request until released (a provider that took the message and never said).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVICE_ID = "11111111-2222-3333-4444-555555555555"
SECRET = "66666666-7777-8888-9999-000000000000"
API_KEY = f"rollcall_test-{SERVICE_ID}-{SECRET}"


class FakeNotify:
    def __init__(self):
        self.received: list[dict] = []
        self.failures_to_give = 0
        self.slow_replies = 0
        self.reply_delay = 2.0
        self.hang_at = 0  # the request number (1, 2, ...) to hang on
        self.release = threading.Event()
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                auth = self.headers.get("Authorization", "")
                with fake.lock:
                    fail = fake.failures_to_give > 0
                    if fail:
                        fake.failures_to_give -= 1
                    fake.received.append(
                        {
                            "path": self.path,
                            "body": body,
                            "failed": fail,
                            "authorised": auth.startswith("Bearer "),
                        }
                    )
                    hang = len(fake.received) == fake.hang_at
                    slow = not fail and fake.slow_replies > 0
                    if slow:
                        fake.slow_replies -= 1
                if hang:
                    fake.release.wait(30)
                if slow:
                    time.sleep(fake.reply_delay)
                if fail:
                    self._reply(
                        500,
                        {
                            "errors": [{"error": "Exception", "message": "Internal error"}],
                            "status_code": 500,
                        },
                    )
                elif self.path not in ("/v2/notifications/sms", "/v2/notifications/email"):
                    self._reply(
                        404,
                        {"errors": [{"error": "NotFound", "message": "no"}], "status_code": 404},
                    )
                else:
                    self._reply(201, {"id": str(uuid.uuid4()), "reference": body.get("reference")})

            def _reply(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def delivered(self) -> list[dict]:
        return [r for r in self.received if not r["failed"]]
