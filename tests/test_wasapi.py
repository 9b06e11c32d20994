"""WASAPI mode of the archiveit spider, and crawler/wasapi.py, against a loopback WASAPI server.

`WasapiServer` is a real HTTP server on 127.0.0.1 (port 0, daemon thread, shut down by the
context manager and in any case after SERVER_LIFETIME seconds) that wants HTTP Basic auth,
lists collection 3181 on two pages linked by `next` and serves the WARC files built here with
warcio: good.warc.gz (listed with its real sha1) and bad.warc.gz (listed with a wrong sha1).
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import make_spider
from scrapy.http import Request, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler import wasapi
from crawler.items import CaptureItem, ErrorItem
from crawler.spiders.archiveit import ArchiveItSpider

PROJECT = Path(__file__).resolve().parent.parent
USER, PASSWORD = "partner", "s3cret"
SERVER_LIFETIME = 120.0

PAGE = ("<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        "<p>The institute publishes reports on teacher education and information technology in "
        "education. {title} describes the programme, its partners and the results of the year.</p>"
        "<p>Further reading is listed in the annual report of the institute.</p></body></html>")
HOME = PAGE.format(title="Institute home").encode()
ABOUT = PAGE.format(title="About the institute").encode()
NEWS = PAGE.format(title="News of the institute").encode()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _response(writer, url, body, date, content_type="text/html; charset=utf-8"):
    http = StatusAndHeaders("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                            protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=BytesIO(body), length=len(body),
                                     http_headers=http, warc_headers_dict={"WARC-Date": date})


def build_warc(pages) -> bytes:
    out = BytesIO()
    writer = WARCWriter(out, gzip=True)
    for url, body, date, *content_type in pages:
        writer.write_record(_response(writer, url, body, date, *content_type))
    return out.getvalue()


GOOD = build_warc([("http://iite.unesco.org/", HOME, "2015-12-14T14:45:00Z"),
                   ("http://iite.unesco.org/logo.png", PNG, "2015-12-14T14:45:01Z", "image/png"),
                   ("http://iite.unesco.org/about/", ABOUT, "2015-12-14T14:45:12Z")])
BAD = build_warc([("http://iite.unesco.org/news/", NEWS, "2016-01-05T10:00:00Z")])
WARCS = {"good.warc.gz": GOOD, "bad.warc.gz": BAD}


def entry(base: str, name: str, sha1: str | None = None, filetype: str = "warc") -> dict:
    data = WARCS.get(name, b"")
    return {"filename": name, "filetype": filetype,
            "checksums": {"sha1": sha1 or hashlib.sha1(data).hexdigest(), "md5": hashlib.md5(data).hexdigest()},
            "account": 1, "size": len(data), "collection": 3181, "crawl": 1,
            "crawl-time": "2015-12-14T14:45:00Z", "crawl-start": "2015-12-14T14:40:00Z",
            "locations": [f"{base}/webdatafile/{name}", f"https://warcs.example.invalid/webdatafile/{name}"]}


class WasapiServer:
    """Loopback WASAPI: /wasapi/v1/webdata?collection=3181[&page=2] and /webdatafile/<name>."""

    def __init__(self, user: str = USER, password: str = PASSWORD):
        self.expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.requests: list[tuple[str, str, bool]] = []  # (path, query, authorised)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                authorised = self.headers.get("Authorization") == server.expected
                server.requests.append((parts.path, parts.query, authorised))
                if not authorised:
                    return self._send(401, b'{"detail": "Authentication credentials were not provided."}',
                                      {"WWW-Authenticate": 'Basic realm="wasapi"'})
                if parts.path == "/wasapi/v1/webdata":
                    return self._listing(parse_qs(parts.query))
                if parts.path.startswith("/webdatafile/") and parts.path[13:] in WARCS:
                    return self._send(200, WARCS[parts.path[13:]], {"Content-Type": "application/octet-stream"})
                self._send(404, b"not found")

            def _listing(self, query):
                if query.get("collection") != ["3181"]:
                    return self._send(200, json.dumps({"count": 0, "next": None, "previous": None,
                                                       "files": []}).encode())
                base = server.url
                first = f"{base}/wasapi/v1/webdata?collection=3181"
                if query.get("page") == ["2"]:
                    data = {"count": 3, "next": None, "previous": first,
                            "files": [entry(base, "bad.warc.gz", sha1="0" * 40),
                                      entry(base, "good.cdx.gz", filetype="cdx")]}
                else:
                    data = {"count": 3, "next": first + "&page=2", "previous": None,
                            "files": [entry(base, "good.warc.gz")]}
                self._send(200, json.dumps(data).encode(), {"Content-Type": "application/json"})

            def _send(self, status, body, headers=None):
                self.send_response(status)
                for key, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.endpoint = f"{self.url}/wasapi/v1"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._timer = threading.Timer(SERVER_LIFETIME, self.httpd.shutdown)
        self._timer.daemon = True

    def __enter__(self):
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()
        self.httpd.shutdown()
        self.httpd.server_close()

    def count(self, path: str) -> int:
        return sum(1 for p, _, _ in self.requests if p == path)


@pytest.fixture
def server():
    with WasapiServer() as running:
        yield running


def listed(base: str, name: str, **kwargs) -> wasapi.WasapiFile:
    (file,), _ = wasapi.parse_listing(json.dumps({"files": [entry(base, name, **kwargs)]}))
    return file


# --- credentials ---------------------------------------------------------------------------------

def test_credentials_from_the_environment_come_first(tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine partner.archive-it.org login fromnetrc password other\n")
    environ = {"WASAPI_USER": "me", "WASAPI_PASSWORD": "pw", "NETRC": str(netrc)}
    assert wasapi.credentials("https://partner.archive-it.org/wasapi/v1", environ) == ("me", "pw")
    # one of the two alone is not enough: the netrc entry is used
    environ = {"WASAPI_USER": "me", "NETRC": str(netrc)}
    assert wasapi.credentials("https://partner.archive-it.org/wasapi/v1", environ) == ("fromnetrc", "other")


def test_credentials_from_a_netrc_file_named_by_NETRC_for_the_endpoint_host(tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine partner.archive-it.org login partner password s3cret\n"
                     "machine 127.0.0.1 login local password pw\n")
    environ = {"NETRC": str(netrc)}
    assert wasapi.credentials("https://partner.archive-it.org/wasapi/v1", environ) == ("partner", "s3cret")
    assert wasapi.credentials("http://127.0.0.1:8080/wasapi/v1", environ) == ("local", "pw")
    assert wasapi.credentials("https://elsewhere.example/wasapi/v1", environ) is None
    assert wasapi.credentials("https://partner.archive-it.org/", {"NETRC": str(tmp_path / "none")}) is None


def test_credentials_from_home_netrc(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("NETRC", raising=False)
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine partner.archive-it.org\n  login partner\n  password s3cret\n")
    netrc.chmod(0o600)
    assert wasapi.credentials("https://partner.archive-it.org/wasapi/v1", {}) == ("partner", "s3cret")


def test_basic_auth_header():
    assert wasapi.basic_auth("partner", "s3cret") == "Basic " + base64.b64encode(b"partner:s3cret").decode()


# --- listing and downloads (stdlib) --------------------------------------------------------------

def test_listing_follows_next_over_two_pages(server):
    files = list(wasapi.list_files(server.endpoint, "3181", auth=(USER, PASSWORD)))
    assert [f.filename for f in files] == ["good.warc.gz", "bad.warc.gz", "good.cdx.gz"]
    assert [f.is_warc for f in files] == [True, True, False]
    good = files[0]
    assert good.expected == ("sha1", hashlib.sha1(GOOD).hexdigest())
    assert good.size == len(GOOD) and good.collection == "3181" and good.crawl_time == "2015-12-14T14:45:00Z"
    assert good.locations[0] == f"{server.url}/webdatafile/good.warc.gz"
    assert server.count("/wasapi/v1/webdata") == 2


def test_listing_without_credentials_is_refused(server):
    with pytest.raises(urllib.error.HTTPError) as refused:
        list(wasapi.list_files(server.endpoint, "3181"))
    assert refused.value.code == 401


@pytest.mark.parametrize("body, message", [
    (b"<html>login</html>", "not JSON"),
    (b'{"count": 0}', "no 'files'"),
    (b'{"files": [{"filename": "../../etc/passwd"}]}', "unusable file name"),
])
def test_unusable_listings_are_refused(body, message):
    with pytest.raises(wasapi.WasapiError, match=message):
        wasapi.parse_listing(body)


def test_md5_is_checked_when_no_sha1_is_listed_and_size_when_neither(tmp_path):
    (file,), _ = wasapi.parse_listing(json.dumps({"files": [
        {"filename": "a.warc.gz", "checksums": {"md5": hashlib.md5(GOOD).hexdigest().upper()}}]}))
    assert file.expected == ("md5", hashlib.md5(GOOD).hexdigest())
    assert wasapi.write_verified(tmp_path, file, [GOOD[:10], GOOD[10:]]).read_bytes() == GOOD
    assert wasapi.is_downloaded(tmp_path, file)
    (sized,), _ = wasapi.parse_listing(json.dumps({"files": [{"filename": "b.warc.gz", "size": 3}]}))
    with pytest.raises(wasapi.ChecksumMismatch, match="size mismatch for b.warc.gz"):
        wasapi.write_verified(tmp_path, sized, [b"four"])
    assert not list(tmp_path.glob("b.warc.gz*"))


def test_download_verifies_and_renames_and_a_mismatch_leaves_nothing(server, tmp_path):
    good = listed(server.url, "good.warc.gz")
    assert not wasapi.is_downloaded(tmp_path, good)
    path = wasapi.download(good, tmp_path, auth=(USER, PASSWORD))
    assert path == tmp_path / "good.warc.gz" and path.read_bytes() == GOOD
    assert wasapi.is_downloaded(tmp_path, good)
    bad = listed(server.url, "bad.warc.gz", sha1="0" * 40)
    with pytest.raises(wasapi.ChecksumMismatch, match="checksum mismatch for bad.warc.gz"):
        wasapi.download(bad, tmp_path, auth=(USER, PASSWORD))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.warc.gz"]
    # a file of the same name with other bytes is not "downloaded"
    (tmp_path / "good.warc.gz").write_bytes(b"other bytes")
    assert not wasapi.is_downloaded(tmp_path, good)


# --- the spider, callbacks called directly -------------------------------------------------------

def spider(tmp_path, monkeypatch, **arguments):
    monkeypatch.setenv("WASAPI_USER", USER)
    monkeypatch.setenv("WASAPI_PASSWORD", PASSWORD)
    arguments.setdefault("collection", "3181")
    arguments.setdefault("mode", "wasapi")
    arguments.setdefault("download_dir", str(tmp_path / "wasapi"))
    return make_spider(ArchiveItSpider, {"WINNOW_DB": str(tmp_path / "none.db")},
                       wasapi_endpoint="http://127.0.0.1:9/wasapi/v1/", **arguments)


def start_requests(s):
    async def collect():
        return [r async for r in s.start()]
    return asyncio.run(collect())


def json_response(url, data, request=None):
    return TextResponse(url=url, body=json.dumps(data).encode(), encoding="utf-8",
                        request=request or Request(url), headers={"Content-Type": "application/json"})


def test_wasapi_mode_needs_no_url_and_asks_the_listing_with_basic_auth(tmp_path, monkeypatch):
    s = spider(tmp_path, monkeypatch)
    (request,) = start_requests(s)
    assert request.url == "http://127.0.0.1:9/wasapi/v1/webdata?collection=3181"
    assert request.headers["Authorization"] == wasapi.basic_auth(USER, PASSWORD).encode()
    assert request.meta["winnow_stage"] == "wasapi"


def test_cdx_mode_still_needs_a_url_and_unknown_modes_are_refused(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="at least one URL"):
        spider(tmp_path, monkeypatch, mode="cdx")
    with pytest.raises(ValueError, match="mode must be cdx or wasapi"):
        spider(tmp_path, monkeypatch, mode="ftp")
    with pytest.raises(ValueError, match="collection id"):
        spider(tmp_path, monkeypatch, collection=" ")


def test_settings_give_the_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = make_spider(ArchiveItSpider, {"WINNOW_DB": str(tmp_path / "none.db")}, collection="7", mode="wasapi")
    assert s.wasapi_endpoint == "https://partner.archive-it.org/wasapi/v1" and s.download_dir == Path("wasapi")
    s = make_spider(ArchiveItSpider, {"WINNOW_DB": str(tmp_path / "none.db"), "WINNOW_WASAPI_DIR": "w2",
                                      "WINNOW_WASAPI_ENDPOINT": "https://mirror.example/wasapi/"},
                    collection="7", mode="wasapi")
    assert s.wasapi_endpoint == "https://mirror.example/wasapi" and s.download_dir == Path("w2")


def test_listing_page_gives_file_requests_the_next_page_and_skips_other_filetypes(tmp_path, monkeypatch):
    s = spider(tmp_path, monkeypatch)
    base = "http://127.0.0.1:9"
    page = json_response(f"{base}/wasapi/v1/webdata?collection=3181",
                         {"count": 2, "next": "/wasapi/v1/webdata?collection=3181&page=2",
                          "files": [entry(base, "good.warc.gz"), entry(base, "good.cdx.gz", filetype="cdx")]})
    file_request, next_request = list(s.parse_listing(page))
    assert file_request.url == f"{base}/webdatafile/good.warc.gz"
    assert file_request.meta["download_maxsize"] == 0 and file_request.meta["download_warnsize"] == 0
    assert file_request.headers["Authorization"] == wasapi.basic_auth(USER, PASSWORD).encode()
    assert next_request.url == f"{base}/wasapi/v1/webdata?collection=3181&page=2"
    assert next_request.callback == s.parse_listing
    assert s.crawler.stats.get_value("winnow/wasapi_files_skipped") == 1


def test_downloaded_file_is_written_verified_and_read_as_archive_it_captures(tmp_path, monkeypatch):
    s = spider(tmp_path, monkeypatch)
    file = listed("http://127.0.0.1:9", "good.warc.gz")
    request = s._file_request(file)
    response = TextResponse(url=request.url, body=GOOD, request=request)
    items = list(s.parse_file(response, **request.cb_kwargs))
    assert [type(i) for i in items] == [CaptureItem, CaptureItem]
    home, about = items
    path = (tmp_path / "wasapi" / "good.warc.gz").resolve()
    assert path.read_bytes() == GOOD and not list(path.parent.glob("*.part"))
    assert (home.archive, home.collection, home.timestamp) == ("archive-it", "3181", "20151214144500")
    assert home.capture.key == "archive-it/3181/20151214144500/org,unesco,iite)/"
    assert about.original_url == "http://iite.unesco.org/about/" and about.body == ABOUT
    assert home.warc_file == str(path) and home.warc_offset == 0


def test_already_downloaded_verified_file_is_read_without_a_request(tmp_path, monkeypatch):
    s = spider(tmp_path, monkeypatch)
    (tmp_path / "wasapi").mkdir()
    (tmp_path / "wasapi" / "good.warc.gz").write_bytes(GOOD)
    base = "http://127.0.0.1:9"
    page = json_response(f"{base}/wasapi/v1/webdata?collection=3181",
                         {"next": None, "files": [entry(base, "good.warc.gz")]})
    items = list(s.parse_listing(page))
    assert [type(i) for i in items] == [CaptureItem, CaptureItem]
    assert s.crawler.stats.get_value("winnow/wasapi_files_present") == 1


def test_checksum_mismatch_is_an_error_item_and_leaves_no_file(tmp_path, monkeypatch):
    s = spider(tmp_path, monkeypatch)
    file = listed("http://127.0.0.1:9", "bad.warc.gz", sha1="0" * 40)
    request = s._file_request(file)
    (error,) = list(s.parse_file(TextResponse(url=request.url, body=BAD, request=request), **request.cb_kwargs))
    assert isinstance(error, ErrorItem) and error.stage == "wasapi" and error.source == "archiveit"
    assert "checksum mismatch for bad.warc.gz" in error.message and error.url == request.url
    assert list((tmp_path / "wasapi").iterdir()) == []


def _http_failure(request, status):
    response = TextResponse(url=request.url, status=status, body=b"{}", request=request)
    failure = Failure(HttpError(response, "Ignoring non-200 response"))
    failure.request = request
    return failure


@pytest.mark.parametrize("status", [401, 403])
def test_refusal_is_an_error_item_telling_how_to_give_credentials(tmp_path, monkeypatch, status):
    s = spider(tmp_path, monkeypatch)
    (request,) = start_requests(s)
    (error,) = list(s.on_wasapi_error(_http_failure(request, status)))
    assert error.stage == "wasapi" and error.url == request.url
    assert f"HTTP {status}" in error.message and "WASAPI_USER" in error.message and "WASAPI_PASSWORD" in error.message
    assert "machine 127.0.0.1" in error.message and "~/.netrc" in error.message and "3181" in error.message


def test_failed_download_tries_the_next_location_then_reports(tmp_path, monkeypatch):
    s = spider(tmp_path, monkeypatch)
    file = listed("http://127.0.0.1:9", "good.warc.gz")
    first = s._file_request(file)
    (second,) = list(s.on_wasapi_error(_http_failure(first, 500)))
    assert second.url == "https://warcs.example.invalid/webdatafile/good.warc.gz"
    (error,) = list(s.on_wasapi_error(_http_failure(second, 404)))
    assert error.message == "cannot download good.warc.gz: HTTP 404"


def test_listing_that_is_not_json_is_an_error_item(tmp_path, monkeypatch):
    s = spider(tmp_path, monkeypatch)
    url = "http://127.0.0.1:9/wasapi/v1/webdata?collection=3181"
    (error,) = list(s.parse_listing(TextResponse(url=url, body=b"<html>maintenance</html>", request=Request(url))))
    assert error.stage == "wasapi" and "not JSON" in error.message


# --- end to end: scrapy crawl archiveit -a mode=wasapi against the loopback server ----------------

def run_crawl(tmp, server, password=PASSWORD):
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "WASAPI_USER": USER, "WASAPI_PASSWORD": password}
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "archiveit", "-a", "collection=3181", "-a", "mode=wasapi",
         "-a", f"wasapi_endpoint={server.url}/wasapi/v1", "-a", f"download_dir={tmp}/wasapi",
         "-s", f"WINNOW_DB={tmp}/w.db", "-s", f"WINNOW_WARC_DIR={tmp}/warcs", "-s", "DOWNLOAD_DELAY=0",
         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"],
        cwd=PROJECT, capture_output=True, text=True, timeout=240, env=env, check=False)


def test_scrapy_crawl_archiveit_wasapi_downloads_verifies_and_stores(server, tmp_path):
    first = run_crawl(tmp_path, server)
    assert first.returncode == 0, first.stderr[-3000:]
    with sqlite3.connect(tmp_path / "w.db") as conn:
        rows = conn.execute("select c.original_url, c.timestamp, c.archive, c.collection, c.warc_file, d.title "
                            "from documents d join captures c using (capture_id) order by c.timestamp").fetchall()
        errors = conn.execute("select url, stage, message, source from errors").fetchall()
    assert [r[:4] for r in rows] == [("http://iite.unesco.org/", "20151214144500", "archive-it", "3181"),
                                     ("http://iite.unesco.org/about/", "20151214144512", "archive-it", "3181")]
    assert {r[4] for r in rows} == {str((tmp_path / "wasapi" / "good.warc.gz").resolve())}
    assert [r[5] for r in rows] == ["Institute home", "About the institute"]
    (error,) = errors
    assert error[0] == f"{server.url}/webdatafile/bad.warc.gz" and error[1] == "wasapi" and error[3] == "archiveit"
    assert "checksum mismatch for bad.warc.gz" in error[2]
    assert sorted(p.name for p in (tmp_path / "wasapi").iterdir()) == ["good.warc.gz"]
    assert server.count("/wasapi/v1/webdata") == 2 and server.count("/webdatafile/good.warc.gz") == 1
    assert server.count("/webdatafile/good.cdx.gz") == 0
    assert all(authorised for _, _, authorised in server.requests)

    # a second run: good.warc.gz is verified on disk, read again, and its captures are already stored
    second = run_crawl(tmp_path, server)
    assert second.returncode == 0, second.stderr[-3000:]
    assert server.count("/webdatafile/good.warc.gz") == 1  # not downloaded again
    assert server.count("/webdatafile/bad.warc.gz") == 2  # still failing: asked again
    assert "'winnow/captures_already_stored': 2" in second.stderr
    assert "'winnow/wasapi_files_present': 1" in second.stderr
    with sqlite3.connect(tmp_path / "w.db") as conn:
        assert conn.execute("select count(*) from documents").fetchone()[0] == 2


def test_scrapy_crawl_archiveit_wasapi_with_wrong_credentials_records_a_clear_error(server, tmp_path):
    result = run_crawl(tmp_path, server, password="wrong")
    assert result.returncode == 0, result.stderr[-3000:]
    with sqlite3.connect(tmp_path / "w.db") as conn:
        (error,) = conn.execute("select url, stage, message from errors").fetchall()
        assert conn.execute("select count(*) from captures").fetchone()[0] == 0
    assert error[0] == f"{server.url}/wasapi/v1/webdata?collection=3181" and error[1] == "wasapi"
    assert "HTTP 401" in error[2] and "WASAPI_USER and WASAPI_PASSWORD" in error[2] and "~/.netrc" in error[2]
    assert server.count("/webdatafile/good.warc.gz") == 0
