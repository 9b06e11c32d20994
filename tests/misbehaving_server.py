"""A real HTTP server on 127.0.0.1 that misbehaves on cue, for crawl tests.

    with MisbehavingServer(captures=[("20150101000000", "http://example.org/a")]) as server:
        server.script("/cdx/search/cdx", retry_after(1), None)   # a 429, then the normal answer
        ... crawl server.url ...
        server.times("/cdx/search/cdx")                          # arrival times (time.monotonic())

Routes: `server.routes` maps a path (without query) to a list of scripted replies consumed in
order; `None` in the list (or an exhausted list) means "the normal answer". A key ending in "*"
matches every path starting with the rest. Normal answers: the CDX endpoint
`/cdx/search/cdx` (a JSON list of lists with a header row and junk rows, a resume key, then a
plain-text page with junk lines; see `cdx_pages`) and the replay `/web/<ts>id_/<url>` (a small
HTML page per capture); anything else is 404.

Every request is recorded (`server.requests`: path with query, path, arrival time.monotonic()).
Replies that make the client wait sleep at most 3 s; the server thread is a daemon and the
context manager shuts it down.
"""
from __future__ import annotations

import json
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_SLEEP = 3.0
CDX_HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass
class Reply:
    status: int = 200
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    action: str | None = None  # "sleep", "reset", "truncate", "loop"
    sleep: float = 0.0


# --- scripted misbehaviours ----------------------------------------------------------------

def too_many(retry_after: str | None = None) -> Reply:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply(429, headers, b"Too Many Requests\n")


def retry_after(seconds: float) -> Reply:
    """429 with Retry-After in seconds."""
    return too_many(str(seconds))


def retry_after_date(seconds_from_now: float) -> Reply:
    """429 with Retry-After as an HTTP date (computed when the reply is sent)."""
    return Reply(429, {"Retry-After": f"@date+{seconds_from_now}"}, b"Too Many Requests\n")


def unavailable(retry_after_value: str | None = None) -> Reply:
    headers = {"Retry-After": retry_after_value} if retry_after_value is not None else {}
    return Reply(503, headers, b"Service Unavailable\n")


def timeout(seconds: float = 2.0) -> Reply:
    """Answer nothing for `seconds` (≤ 3), longer than the client's DOWNLOAD_TIMEOUT."""
    return Reply(200, {"Content-Type": "text/html"}, b"<html><body>late</body></html>", action="sleep",
                 sleep=min(seconds, MAX_SLEEP))


def reset() -> Reply:
    """Close the connection without answering (RST)."""
    return Reply(action="reset")


def truncated(body: bytes = b"<html><body><p>cut here", missing: int = 500) -> Reply:
    """Declare `missing` more bytes in Content-Length than are sent, then close."""
    return Reply(200, {"Content-Type": "text/html", "Content-Length": str(len(body) + missing)}, body,
                 action="truncate")


def html_as_png(body: bytes) -> Reply:
    return Reply(200, {"Content-Type": "image/png"}, body)


def binary_as_html() -> Reply:
    return Reply(200, {"Content-Type": "text/html; charset=utf-8"}, PNG_MAGIC + bytes(range(256)) * 8)


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, {"Location": location}, b"")


def redirect_loop() -> Reply:
    """Redirect to the same path with ?hop=N+1, forever: a chain that never reaches a page."""
    return Reply(302, {}, b"", action="loop")


def page(title: str, text: str) -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1><p>{text}</p></article></body></html>").encode()


def replay_path(timestamp: str, url: str) -> str:
    return f"/web/{timestamp}id_/{url}"


class MisbehavingServer:
    def __init__(self, captures: list[tuple[str, str]] = (), page_size: int | None = None,
                 junk: bool = True, routes: dict | None = None):
        """`captures`: (timestamp, original URL) listed by the CDX endpoint and replayed.
        `page_size`: rows on the first (JSON) CDX page; the rest come on a plain-text second page
        reached with the resume key (None: all on one page). `junk`: mix malformed rows/lines in."""
        self.captures = list(captures)
        self.page_size = page_size
        self.junk = junk
        self.routes: dict[str, list] = {k: list(v) for k, v in (routes or {}).items()}
        self.requests: list[tuple[str, str, float]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- configuration ---
    def script(self, path: str, *replies) -> None:
        with self._lock:
            self.routes[path] = list(replies)

    def page_bodies(self) -> dict[str, bytes]:
        return {url: page(f"Page {ts}", f"Archived text of {url} at {ts}.") for ts, url in self.captures}

    # --- what happened ---
    def times(self, path: str) -> list[float]:
        return [t for _, p, t in self.requests if p == path or (path.endswith("*") and p.startswith(path[:-1]))]

    def count(self, path: str) -> int:
        return len(self.times(path))

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # --- life cycle ---
    def __enter__(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server._handle(self)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # --- answering ---
    def _next_scripted(self, path: str):
        with self._lock:
            key = path if path in self.routes else next(
                (k for k in sorted(self.routes, key=len, reverse=True) if k.endswith("*") and path.startswith(k[:-1])),
                None)
            if key is None:
                return None
            replies = self.routes[key]
            if not replies:
                return None
            return replies.pop(0) if len(replies) > 1 else replies[0]  # the last one repeats

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        arrived = time.monotonic()
        parts = urlsplit(handler.path)
        with self._lock:
            self.requests.append((handler.path, parts.path, arrived))
        reply = self._next_scripted(parts.path)
        if reply is None:
            reply = self._normal(parts.path, parse_qs(parts.query))
        self._send(handler, reply)

    def _normal(self, path: str, query: dict) -> Reply:
        if path == "/cdx/search/cdx":
            return self._cdx(query)
        bodies = {replay_path(ts, url): body for (ts, url), body in zip(self.captures, self.page_bodies().values())}
        if path in bodies:
            return Reply(200, {"Content-Type": "text/html; charset=utf-8"}, bodies[path])
        return Reply(404, {"Content-Type": "text/plain"}, b"not found\n")

    def cdx_pages(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        if self.page_size is None:
            return self.captures, []
        return self.captures[: self.page_size], self.captures[self.page_size :]

    def _cdx(self, query: dict) -> Reply:
        first, second = self.cdx_pages()
        if query.get("resumeKey"):  # the later page: plain text, junk lines among the rows
            lines = []
            for n, (ts, url) in enumerate(second):
                lines.append(_cdx_text_row(ts, url))
                if self.junk and n == 0:
                    lines += ["<html><body>Internal hiccup</body></html>", "garbage", "com,example)/ notatime x"]
            return Reply(200, {"Content-Type": "text/plain"}, ("\n".join(lines) + "\n").encode())
        table: list[list] = [CDX_HEADER]
        for n, (ts, url) in enumerate(first):
            table.append(_cdx_json_row(ts, url))
            if self.junk and n == 0:
                table += [["only", "three", "fields"], ["com,example)/", "yesterday", url, "text/html", "200", "X", "1"]]
        if second:
            table += [[], ["page2"]]
        return Reply(200, {"Content-Type": "application/json"}, json.dumps(table).replace("], [", "],\n [").encode())

    def _send(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        try:
            if reply.action == "reset":
                sock = handler.connection
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.close()
                handler.close_connection = True
                return
            if reply.action == "sleep":
                time.sleep(min(reply.sleep, MAX_SLEEP))
            handler.send_response(reply.status)
            headers = dict(reply.headers)
            if reply.action == "loop":
                parts = urlsplit(handler.path)
                hop = int(parse_qs(parts.query).get("hop", ["0"])[0]) + 1
                headers["Location"] = f"{parts.path}?hop={hop}"
            if headers.get("Retry-After", "").startswith("@date+"):
                headers["Retry-After"] = formatdate(time.time() + float(headers["Retry-After"][6:]), usegmt=True)
            headers.setdefault("Content-Length", str(len(reply.body)))
            if reply.action == "truncate":
                headers["Connection"] = "close"
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(reply.body)
            handler.wfile.flush()
            if reply.action == "truncate":
                handler.close_connection = True
        except (BrokenPipeError, ConnectionResetError, OSError):
            handler.close_connection = True


def _urlkey(url: str) -> str:
    host_path = url.split("://", 1)[-1]
    host, _, path = host_path.partition("/")
    return ",".join(reversed(host.removeprefix("www.").split("."))) + ")/" + path


def _cdx_json_row(ts: str, url: str) -> list[str]:
    return [_urlkey(url), ts, url, "text/html", "200", f"DIGEST{ts}{zlib.crc32(url.encode()):08X}", "1234"]


def _cdx_text_row(ts: str, url: str) -> str:
    return " ".join(_cdx_json_row(ts, url))
