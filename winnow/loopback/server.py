"""The replay server: collections on disk, the HTTP handler, LoopbackArchive and its command line."""
from __future__ import annotations

import argparse
import html
import json
import re
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urljoin

from warcio.archiveiterator import ArchiveIterator

from extractors.urls import parse_replay_url, replay_url, surt, timestamp_to_iso
from winnow.archive_index import CdxRecord, index_warcs, read_cdxj
from winnow.loopback.cdx import (
    ALL_FIELDS,
    CDX_FIELDS,
    PYWB_NAMES,
    CdxQueryError,
    field_value,
    query_cdx,
    sort_key,
)
from winnow.loopback.inserts import (
    archiveit_banner,
    archiveit_head,
    banner_time,
    capture_moment,
    tail_comments,
    wayback_head,
    wayback_toolbar,
)
from winnow.loopback.rewrite import append_after_html, decode_payload, rewrite_html

# ---------------------------------------------------------------------------------------------
# The archive on disk


@dataclass
class Collection:
    """One replay prefix: "web" (Wayback) or an Archive-It collection id."""

    kind: str  # "wayback" | "archive-it"
    name: str  # "web" or "3181"
    meta: dict
    records: list[CdxRecord]
    warcs: dict[str, Path]  # basename -> path
    by_key: dict[str, list[CdxRecord]] = field(default_factory=dict)

    def __post_init__(self):
        self.records.sort(key=sort_key)
        for record in self.records:
            self.by_key.setdefault(record.urlkey, []).append(record)


def load_collections(archive_dir: str | Path) -> dict[str, Collection]:
    """Read collections.json; index WARCs in memory when an index file is missing.

    Raises ValueError (naming the file) for a broken WARC, so a bad archive fails at start, not mid-test.
    """
    archive_dir = Path(archive_dir)
    config = json.loads((archive_dir / "collections.json").read_text(encoding="utf-8"))
    entries = [("wayback", "web", config["wayback"])] if config.get("wayback") else []
    entries += [("archive-it", str(cid), meta) for cid, meta in (config.get("archive-it") or {}).items()]
    collections = {}
    for kind, name, meta in entries:
        warcs = {Path(w).name: archive_dir / w for w in meta.get("warcs", [])}
        index = archive_dir / meta["index"] if meta.get("index") else None
        records = read_cdxj(index) if index and index.exists() else index_warcs(warcs.values())
        collections[name] = Collection(kind, name, meta, records, warcs)
    return collections


@dataclass
class Capture:
    status: int
    headers: list[tuple[str, str]]
    body: bytes  # payload with transfer and content encodings undone


def load_capture(collection: Collection, record: CdxRecord) -> Capture:
    """Read one record by offset (no scan of the WARC)."""
    with open(collection.warcs[record.filename], "rb") as stream:
        stream.seek(record.offset)
        warc_record = next(iter(ArchiveIterator(stream)))
        http = warc_record.http_headers
        return Capture(int(http.get_statuscode() or 200), list(http.headers), warc_record.content_stream().read())



_NOT_FOUND = {
    "wayback": ("Wayback Machine", "Wayback Machine has not archived that URL."),
    "archive-it": ("Not in Archive", "Not in Archive. The page you requested has not been archived in Archive-It."),
}
# Stubs so a browser replaying offline finds the functions the inserted scripts call
_STATIC_JS = (b"/* loopback archive stub */\nvar __wm={init:function(){},wombat:function(){},rw:function(){},"
              b"bt:function(){},h:function(){}};\nfunction WB_wombat_Init(){}\n")
_HOP_HEADERS = {"transfer-encoding", "content-encoding", "content-length", "connection", "keep-alive"}


# ---------------------------------------------------------------------------------------------
# HTTP


class _Handler(BaseHTTPRequestHandler):
    server: "_ArchiveHTTPServer"
    protocol_version = "HTTP/1.1"

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        archive = self.server.archive
        archive.requests.append(self.path)
        try:
            self._route(archive)
        except Exception as exc:  # a fixture server should say what broke, not drop the connection
            if archive.verbose:
                traceback.print_exc()
            self._send(500, f"loopback archive error: {exc}\n".encode(), "text/plain; charset=utf-8")

    def log_message(self, format, *args):
        if self.server.archive.verbose:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, content_type: str | None, headers=()):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self, archive: "LoopbackArchive"):
        path, _, query = self.path.partition("?")
        collections = archive.collections
        timemap = re.fullmatch(r"/([^/]+)/timemap/cdx", path)
        if path == "/cdx/search/cdx" and "web" in collections:
            return self._cdx(collections["web"], query)
        if timemap and collections.get(timemap.group(1), None) and timemap.group(1) != "web":
            return self._cdx(collections[timemap.group(1)], query)
        if path.startswith(("/_static/", "/static/")):
            return self._send(200, _STATIC_JS if path.endswith(".js") else b"",
                              "application/javascript" if path.endswith(".js") else "text/css")
        listing = re.fullmatch(r"/([^/]+)/\d*\*/(.+)", self.path)
        if listing and listing.group(1) in collections:
            return self._listing(collections[listing.group(1)], listing.group(2))
        address = parse_replay_url(archive.url + self.path)
        name = (address.collection or "web") if address else None
        if address and name in collections and address.archive_root.endswith(f"/{name}/"):
            return self._replay(collections[name], address)
        if path == "/":
            items = "".join(f'<li>{html.escape(n)} ({c.kind}, {len(c.records)} captures)</li>'
                            for n, c in collections.items())
            return self._send(200, f"<html><body><h1>Loopback archive</h1><ul>{items}</ul></body></html>".encode(),
                              "text/html; charset=utf-8")
        self._send(404, b"not found\n", "text/plain; charset=utf-8")

    def _cdx(self, collection: Collection, query: str):
        params = parse_qs(query, keep_blank_values=True)
        try:
            result = query_cdx(collection.records, params)
        except CdxQueryError as exc:
            return self._send(400, f"{exc}\n".encode(), "text/plain; charset=utf-8")
        as_json = (params.get("output") or [""])[-1] == "json"
        if result.num_pages is not None:
            return self._send(200, f"{result.num_pages}\n".encode(), "text/plain; charset=utf-8")
        if not as_json:
            fields = result.fields or CDX_FIELDS
            lines = [" ".join(field_value(r, f) for f in fields) for r in result.rows]
            if result.resume_key:
                lines += ["", result.resume_key]
            return self._send(200, "".join(line + "\n" for line in lines).encode(), "text/plain; charset=utf-8")
        if collection.kind == "wayback":  # the Internet Archive: list of lists, header row first
            fields = result.fields or CDX_FIELDS
            table = [fields] + [[field_value(r, f) for f in fields] for r in result.rows] if result.rows else []
            if result.resume_key:
                table += [[], [result.resume_key]]
            return self._send(200, json.dumps(table).encode(), "application/json")
        # pywb (Archive-It): one JSON object per line, pywb's field names, offset and filename included
        fields = result.fields or ALL_FIELDS
        lines = [json.dumps({PYWB_NAMES.get(f, f): field_value(r, f) for f in fields}) for r in result.rows]
        if result.resume_key:
            lines += ["[]", json.dumps([result.resume_key])]
        self._send(200, "".join(line + "\n" for line in lines).encode(), "text/x-ndjson")

    def _not_found(self, collection: Collection, url: str):
        title, message = _NOT_FOUND[collection.kind]
        body = (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1>"
                f"<p>{html.escape(message)}</p><p>{html.escape(url)}</p></body></html>")
        self._send(404, body.encode(), "text/html; charset=utf-8")

    def _listing(self, collection: Collection, url: str):
        captures = collection.by_key.get(surt(url))
        if not captures:
            return self._not_found(collection, url)
        items = "".join(f'<li><a href="/{collection.name}/{r.timestamp}/{html.escape(r.url)}">'
                        f'{banner_time(capture_moment(r.timestamp))}</a> {r.status}</li>'
                        for r in captures)
        body = f"<html><body><h1>{len(captures)} captures of {html.escape(url)}</h1><ul>{items}</ul></body></html>"
        self._send(200, body.encode(), "text/html; charset=utf-8")

    def _replay(self, collection: Collection, address):
        started = time.perf_counter()
        captures = collection.by_key.get(surt(address.original_url))
        if not captures:
            return self._not_found(collection, address.original_url)
        wanted = timestamp_to_iso(address.timestamp)
        if wanted is None:
            return self._send(400, b"bad timestamp\n", "text/plain; charset=utf-8")
        wanted_moment = datetime.strptime(wanted, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        record = min(captures, key=lambda r: (abs((capture_moment(r.timestamp) - wanted_moment).total_seconds()), r.timestamp))
        if record.timestamp != address.timestamp:  # as Wayback: redirect to the exact capture
            location = replay_url(address.archive_root, record.timestamp, record.url, address.modifier)
            return self._send(302, b"", "text/plain", [("Location", location)])
        looked_up = time.perf_counter()
        capture = load_capture(collection, record)
        loaded = time.perf_counter()

        stored = {name.lower(): value for name, value in capture.headers}
        content_type = stored.get("content-type", "application/octet-stream")
        memento = [("Memento-Datetime", format_datetime(capture_moment(record.timestamp), usegmt=True)),
                   ("Link", f'<{record.url}>; rel="original"')]
        if address.modifier == "id_":  # raw: payload as stored, original headers as X-Archive-Orig-*
            extra = [(f"X-Archive-Orig-{name}", value) for name, value in capture.headers
                     if name.lower() not in _HOP_HEADERS and name.lower() != "content-type"]
            return self._send(capture.status, capture.body, content_type, memento + extra)
        if "location" in stored:  # an archived redirect leads to the replay of its target
            absolute = urljoin(record.url, stored["location"])
            memento.append(("Location", f"/{collection.name}/{record.timestamp}{address.modifier}/{absolute}"))
        is_html = record.mime in ("text/html", "application/xhtml+xml") or "html" in content_type.lower()
        if not is_html:
            return self._send(capture.status, capture.body, content_type, memento)

        page_url = replay_url(address.archive_root, record.timestamp, record.url)
        with_banner = address.modifier in ("", "mp_")
        if collection.kind == "wayback":
            head = wayback_head(record)
            body = wayback_toolbar(collection, record, page_url) if with_banner else ""
        else:
            root = address.archive_root
            head = archiveit_head(root, record)
            body = archiveit_banner(collection, record) if with_banner else ""
        timings = {"captures_list": (looked_up - started) * 1000, "exclusion.robots": 0.0,
                   "load_resource": (loaded - looked_up) * 1000}
        text = rewrite_html(decode_payload(capture.body, content_type), record.url, f"/{collection.name}",
                            record.timestamp, head, body)
        timings["rewrite"] = (time.perf_counter() - loaded) * 1000
        text = append_after_html(text, tail_comments(record, timings))
        self._send(capture.status, text.encode("utf-8"), "text/html; charset=utf-8", memento)


class _ArchiveHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a hung client must not keep the test process alive

    def __init__(self, archive: "LoopbackArchive", port: int):
        self.archive = archive
        super().__init__(("127.0.0.1", port), _Handler)


class LoopbackArchive:
    """Serve archive_dir on http://127.0.0.1:PORT in a daemon thread (port 0: any free port)."""

    def __init__(self, archive_dir: str | Path, port: int = 0, verbose: bool = False):
        self.archive_dir = Path(archive_dir)
        self.port = port
        self.verbose = verbose
        self.requests: list[str] = []  # every path asked, so tests can assert what a crawler fetched
        self.collections = load_collections(self.archive_dir)
        self._server: _ArchiveHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the loopback archive is not running; call start()")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "LoopbackArchive":
        if self._server is None:
            self._server = _ArchiveHTTPServer(self, self.port)
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="loopback-archive", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> "LoopbackArchive":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m winnow.loopback", description="Serve WARC files like "
                                     "the Wayback Machine and Archive-It, on 127.0.0.1.")
    parser.add_argument("archive_dir", type=Path, help="folder with collections.json (e.g. data/archive)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args(argv)
    with LoopbackArchive(args.archive_dir, port=args.port, verbose=args.verbose) as archive:
        print(f"loopback archive at {archive.url}  (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
