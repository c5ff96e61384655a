"""A webhook receiver on 127.0.0.1 for the notification tests: it records every JSON body POSTed to it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    url: str
    bodies: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, done: Callable[[list[dict[str, Any]]], bool], seconds: float) -> list[dict[str, Any]]:
        """The bodies received once `done(bodies)` holds, or when `seconds` have passed."""
        deadline = time.monotonic() + seconds
        while True:
            with self.lock:
                bodies = list(self.bodies)
            if done(bodies) or time.monotonic() > deadline:
                return bodies
            time.sleep(0.5)


@contextmanager
def webhook_receiver() -> Iterator[Received]:
    received = Received(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            with received.lock:
                received.bodies.append(body)
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    received.url = f"http://127.0.0.1:{server.server_address[1]}/customs-overdue"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
