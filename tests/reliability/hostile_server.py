"""A GACC-like site on 127.0.0.1 that misbehaves on purpose, per path: redirects to another host, a gzip
bomb, an endless chunked body, a 1-byte drip, a 404, a captcha. Every loop in it is bounded, and it
stops writing as soon as the client goes away or the server shuts down.
"""

from __future__ import annotations

import contextlib
import struct
import threading
import zlib
from collections import Counter
from collections.abc import Callable
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

from flows.ingest.parsers import parse_index_page
from flows.ingest.sources import WANTED_TABLES, demo_releases_dir

Behaviour = Literal[
    "redirect_other_host", "redirect_same_host", "endless", "drip", "not_found", "bomb", "captcha"
]

CAPTCHA_PAGE = (
    b"<html><head><title>Verification</title></head><body><div>Please enter the verification code"
    b" to continue</div></body></html>"
)
ENDLESS_CHUNK = b"<tr><td>Somewhere</td><td>1,234.5</td></tr>\n" * 1500  # ~64 KB
ENDLESS_MAX_CHUNKS = 64 * 1024  # 4 GB: far past any cap, yet a bound
DRIP_INTERVAL_SECONDS = 0.5


@cache
def gzip_bomb(decompressed_mib: int) -> bytes:
    """A valid gzip stream of `decompressed_mib` MiB of zeros, about 1/1000 of that in size.

    Built from one full-flushed block repeated: compressing every MiB would take minutes here.
    """
    block = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeat = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert repeat == compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)[:-8]  # the trailer is rewritten for the whole stream
    crc = 0
    for _ in range(decompressed_mib):
        crc = zlib.crc32(block, crc)
    trailer = struct.pack("<II", crc, (decompressed_mib << 20) & 0xFFFFFFFF)
    return first + repeat * (decompressed_mib - 1) + end + trailer


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        return  # a client that hangs up on a hostile response is what the tests want


class CountingServer:
    """A bare server on `host` that counts every request: it must see none."""

    def __init__(self, host: str) -> None:
        self.hits: Counter[str] = Counter()
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                hits[self.path] += 1
                body = b"<html><body>stolen</body></html>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

        self.httpd = _QuietServer((host, 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> CountingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


class HostileGacc:
    """The demo's 2025 index and pages at `/index` and `/pages/...`, with hostile behaviours per path."""

    def __init__(self, year: int = 2025) -> None:
        year_dir = demo_releases_dir() / str(year)
        self.index = (year_dir / "index.html").read_bytes()
        entries = [e for e in parse_index_page(self.index, "index", year=year) if e.table_id in WANTED_TABLES]
        self.hrefs = [e.url for e in entries]  # as the index writes them: `pages/<uuid>.html`
        self.pages = {"/" + href: (year_dir / href).read_bytes() for href in self.hrefs}
        self.behaviours: dict[str, Behaviour] = {}
        self.index_bomb_mib: int | None = None
        self.other_host_url = ""
        self.hits: Counter[str] = Counter()
        self.stopping = threading.Event()
        self.httpd = _QuietServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def relink(self, href: str, new_href: str) -> None:
        """Make the index's link `href` point at `new_href` instead."""
        old = f"href={href}>".encode()
        assert self.index.count(old) == 1, href
        self.index = self.index.replace(old, f"href={new_href}>".encode())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.hits[path] += 1
                if path == "/index":
                    if server.index_bomb_mib is not None:
                        return self._send(200, gzip_bomb(server.index_bomb_mib), gzip=True)
                    return self._send(200, server.index)
                if path.startswith("/moved/"):
                    return self._send(200, server.pages[path.removeprefix("/moved")])
                if path not in server.pages:
                    return self._send(404, b"<html><body>404 Not Found</body></html>")
                behaviour = server.behaviours.get(path)
                actions: dict[Behaviour, Callable[[], None]] = {
                    "redirect_other_host": lambda: self._redirect(server.other_host_url + path),
                    "redirect_same_host": lambda: self._redirect("/moved" + path),
                    "endless": self._endless,
                    "drip": lambda: self._drip(server.pages[path]),
                    "not_found": lambda: self._send(404, b"<html><body>404 Not Found</body></html>"),
                    "bomb": lambda: self._send(200, gzip_bomb(1024), gzip=True),
                    "captcha": lambda: self._send(200, CAPTCHA_PAGE),
                }
                if behaviour is None:
                    return self._send(200, server.pages[path])
                return actions[behaviour]()

            def _send(self, status: int, body: bytes, gzip: bool = False) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                if gzip:
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client may cut it off, as it should
                    self.wfile.write(body)

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _endless(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                frame = f"{len(ENDLESS_CHUNK):x}\r\n".encode() + ENDLESS_CHUNK + b"\r\n"
                with contextlib.suppress(OSError):
                    for _ in range(ENDLESS_MAX_CHUNKS):
                        if server.stopping.is_set():
                            break
                        self.wfile.write(frame)
                self.close_connection = True

            def _drip(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    for i in range(len(body)):  # 1 byte at a time: each read is quick, the whole is not
                        if server.stopping.wait(DRIP_INTERVAL_SECONDS):
                            break
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                self.close_connection = True

        return Handler

    def __enter__(self) -> HostileGacc:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
