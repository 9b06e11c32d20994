"""The warc spider: local WARC and WACZ files, no network.

The WARC/WACZ fixtures are built with warcio once per module (see `archives`); the subprocess
run reads the bundled data/archive/wayback.warc.gz.
"""
import asyncio
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.items import CaptureItem, ErrorItem
from crawler.spiders.warc import WarcSpider, archive_stem, find_archive_files
from helpers import make_spider
from winnow.archive_index import read_warc

PROJECT = Path(__file__).resolve().parent.parent
BUNDLED = PROJECT / "data" / "archive" / "wayback.warc.gz"

HOME = b"<html><head><title>Home</title></head><body><p>Welcome to the institute.</p></body></html>"
ABOUT = b"<html><head><title>About</title></head><body><p>About the institute.</p></body></html>"
NOTES = b"<html><head><title>Notes</title></head><body><p>Notes kept as a resource.</p></body></html>"
XHTML = (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>X</title></head>'
         b"<body><p>An XHTML page.</p></body></html>")
MISSING = b"<html><body><p>Not found</p></body></html>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
REPLAY_ABOUT = "https://web.archive.org/web/20151214144500id_/http://example.org/about/"


def _response(writer, url, body, date, content_type="text/html; charset=utf-8", status="200 OK"):
    http = StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                     ("Server", "test")], protocol="HTTP/1.1")
    return writer.create_warc_record(url, "response", payload=BytesIO(body), length=len(body),
                                     http_headers=http, warc_headers_dict={"WARC-Date": date})


def write_mixed_warc(path: Path) -> None:
    """warcinfo, request, 4 HTML captures (response, replay-URL response, resource, XHTML) and
    4 records to skip (request, image, revisit, 404)."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        request = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.org")], is_http_request=True)
        writer.write_record(writer.create_warc_record("http://example.org/", "request", http_headers=request,
                                                      warc_headers_dict={"WARC-Date": "2015-12-14T14:44:59Z"}))
        writer.write_record(_response(writer, "http://example.org/", HOME, "2015-12-14T14:45:00Z"))
        writer.write_record(_response(writer, "http://example.org/logo.png", PNG, "2015-12-14T14:45:01Z", "image/png"))
        revisit = writer.create_revisit_record(
            "http://example.org/", digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            refers_to_uri="http://example.org/", refers_to_date="2015-12-14T14:45:00Z",
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": "2016-01-01T00:00:00Z"})
        writer.write_record(revisit)
        writer.write_record(_response(writer, REPLAY_ABOUT, ABOUT, "2024-03-01T10:00:00Z"))
        writer.write_record(writer.create_warc_record(
            "http://example.org/notes.html", "resource", payload=BytesIO(NOTES), length=len(NOTES),
            warc_content_type="text/html", warc_headers_dict={"WARC-Date": "2015-12-14T14:45:02.123456Z"}))
        writer.write_record(_response(writer, "http://example.org/missing", MISSING, "2015-12-14T14:45:03Z",
                                      status="404 Not Found"))
        writer.write_record(_response(writer, "http://example.org/page.xhtml", XHTML, "2015-12-14T14:45:04Z",
                                      "application/xhtml+xml"))


def write_small_warc(path: Path, pages) -> None:
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, body, date in pages:
            writer.write_record(_response(writer, url, body, date))


def write_wacz(path: Path, warc: Path, compression=zipfile.ZIP_STORED) -> None:
    with zipfile.ZipFile(path, "w") as wacz:
        wacz.writestr("datapackage.json", json.dumps({"profile": "data-package", "wacz_version": "1.1.1",
                                                      "title": "Site crawl", "resources": []}))
        wacz.writestr("pages/pages.jsonl", '{"format": "json-pages-1.0"}\n')
        wacz.write(warc, "archive/data.warc.gz", compress_type=compression)


@pytest.fixture(scope="module")
def archives(tmp_path_factory):
    root = tmp_path_factory.mktemp("warc-fixtures")
    mixed = root / "mixed.warc.gz"
    write_mixed_warc(mixed)
    # a copy cut inside the replay-URL record: the three records before it are readable
    data = mixed.read_bytes()
    offsets = [entry.offset for entry in read_warc(mixed)]
    cut = offsets[5] + 40  # records: 0 warcinfo, 1 request, 2 home, 3 png, 4 revisit, 5 replay about
    truncated = root / "truncated.warc.gz"
    truncated.write_bytes(data[:cut])
    site = root / "site-warc.warc.gz"
    write_small_warc(site, [("https://iite.example.org/", HOME, "2020-12-06T07:20:20Z"),
                            ("https://iite.example.org/about/", ABOUT, "2020-12-06T07:20:30Z")])
    stored_wacz = root / "site-crawl.wacz"
    write_wacz(stored_wacz, site)
    deflated_wacz = root / "deflated.wacz"
    write_wacz(deflated_wacz, site, zipfile.ZIP_DEFLATED)
    broken_wacz = root / "broken.wacz"
    broken_wacz.write_bytes(b"PK\x03\x04 not really a zip")
    return {"mixed": mixed, "truncated": truncated, "site": site, "wacz": stored_wacz,
            "deflated": deflated_wacz, "broken_wacz": broken_wacz, "root": root}


def spider(tmp_path, settings=None, **arguments):
    return make_spider(WarcSpider, {"WINNOW_DB": str(tmp_path / "none.db"), **(settings or {})}, **arguments)


def run_start(s):
    async def collect():
        return [x async for x in s.start()]
    return asyncio.run(collect())


def captures(items):
    return [i for i in items if isinstance(i, CaptureItem)]


def errors(items):
    return [i for i in items if isinstance(i, ErrorItem)]


def test_html_records_become_items_and_others_are_skipped_and_counted(tmp_path, archives):
    s = spider(tmp_path, path=str(archives["mixed"]))
    items = run_start(s)
    assert not errors(items)
    by_url = {i.fetched_url: i for i in captures(items)}
    assert list(by_url) == ["http://example.org/", REPLAY_ABOUT, "http://example.org/notes.html",
                            "http://example.org/page.xhtml"]
    stats = s.crawler.stats
    assert stats.get_value("winnow/warc_skipped_records") == 5
    for reason in ("warcinfo", "request", "not-html", "revisit", "status"):
        assert stats.get_value(f"winnow/warc_skipped_records/{reason}") == 1, reason
    assert stats.get_value("winnow/warc_records") == 9


def test_plain_record_metadata_comes_from_the_warc_headers(tmp_path, archives):
    s = spider(tmp_path, path=str(archives["mixed"]))
    home = captures(run_start(s))[0]
    assert home.original_url == home.fetched_url == "http://example.org/"
    assert home.timestamp == "20151214144500" and home.fetched_at == "2015-12-14T14:45:00Z"
    assert home.archive == "warc" and home.collection == "mixed"
    assert home.status == home.fetch_status == 200 and home.mime == "text/html"
    assert home.body == HOME
    from crawler.spiders.warc import sha1_base32
    assert home.digest == sha1_base32(HOME) and not home.digest.startswith("sha1:")
    assert ("Server", "test") in home.fetch_headers
    assert home.capture.key == "warc/mixed/20151214144500/org,example)/"


def test_replay_url_records_name_the_archived_capture(tmp_path, archives):
    s = spider(tmp_path, path=str(archives["mixed"]))
    about = [i for i in captures(run_start(s)) if i.fetched_url == REPLAY_ABOUT][0]
    assert about.original_url == "http://example.org/about/"
    assert about.timestamp == "20151214144500" and about.archive == "wayback" and about.collection is None
    assert about.fetched_at == "2024-03-01T10:00:00Z"  # when the replay was fetched


def test_resource_and_xhtml_records(tmp_path, archives):
    s = spider(tmp_path, path=str(archives["mixed"]))
    items = {i.fetched_url: i for i in captures(run_start(s))}
    notes = items["http://example.org/notes.html"]
    assert notes.status is None and notes.fetch_status == 200 and notes.body == NOTES
    assert notes.timestamp == "20151214144502"  # fractions of a second dropped
    assert items["http://example.org/page.xhtml"].mime == "application/xhtml+xml"


def test_status_argument_keeps_other_statuses(tmp_path, archives):
    s = spider(tmp_path, path=str(archives["mixed"]), status="any")
    urls = [i.fetched_url for i in captures(run_start(s))]
    assert "http://example.org/missing" in urls
    s = spider(tmp_path, path=str(archives["mixed"]), status="404")
    assert [i.fetched_url for i in captures(run_start(s))] == ["http://example.org/notes.html",
                                                                "http://example.org/missing"]


def test_items_point_at_their_record_in_the_source_file(tmp_path, archives):
    s = spider(tmp_path, path=str(archives["mixed"]))
    for item in captures(run_start(s)):
        assert item.warc_file == str(archives["mixed"].resolve())
        with open(item.warc_file, "rb") as handle:
            handle.seek(item.warc_offset)
            chunk = handle.read(item.warc_length)
        path = tmp_path / "one.warc.gz"
        path.write_bytes(chunk)
        (entry,) = list(read_warc(path))
        assert entry.payload == item.body


def test_truncated_file_gives_its_good_records_then_an_error_and_the_next_file_is_read(tmp_path, archives):
    s = spider(tmp_path, path=f"{archives['truncated']},{archives['site']}")
    items = run_start(s)
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["CaptureItem", "ErrorItem", "CaptureItem", "CaptureItem"]
    (error,) = errors(items)
    assert error.url == str(archives["truncated"].resolve()) and error.stage == "read" and error.source == "warc"
    assert "truncated.warc.gz" in error.message
    assert [i.original_url for i in captures(items)][1:] == ["https://iite.example.org/", "https://iite.example.org/about/"]


def test_wacz_members_are_read_and_point_into_the_wacz(tmp_path, archives):
    s = spider(tmp_path, path=str(archives["wacz"]))
    items = run_start(s)
    assert not errors(items)
    first, second = captures(items)
    assert first.collection == second.collection == "site-crawl" and first.archive == "warc"
    assert first.original_url == "https://iite.example.org/" and first.timestamp == "20201206072020"
    # the member is stored uncompressed: the pointer is the .wacz itself, at the gzip member
    assert first.warc_file == str(archives["wacz"].resolve())
    with open(first.warc_file, "rb") as handle:
        handle.seek(first.warc_offset)
        record = gzip.GzipFile(fileobj=BytesIO(handle.read(first.warc_length))).read()
    assert record.startswith(b"WARC/1.") and record.rstrip().endswith(HOME)
    assert not list(Path(tempfile.gettempdir()).glob("winnow-wacz-*"))  # temp copies removed


def test_compressed_wacz_member_is_named_in_the_pointer(tmp_path, archives):
    s = spider(tmp_path, path=str(archives["deflated"]))
    first = captures(run_start(s))[0]
    assert first.warc_file == f"{archives['deflated'].resolve()}#archive/data.warc.gz"
    assert first.collection == "deflated"


def test_truncated_member_of_a_wacz_is_named_in_the_error(tmp_path, archives):
    wacz = tmp_path / "cut.wacz"
    write_wacz(wacz, archives["truncated"])
    items = run_start(spider(tmp_path, path=str(wacz)))
    assert [type(i).__name__ for i in items] == ["CaptureItem", "ErrorItem"]
    error = items[-1]
    assert error.url == f"{wacz.resolve()}#archive/data.warc.gz" and error.stage == "read"
    assert error.message.startswith(f"cannot read {wacz.resolve()}#archive/data.warc.gz") and "winnow-wacz-" not in error.message


def test_broken_wacz_and_missing_path_are_error_items(tmp_path, archives):
    s = spider(tmp_path, path=f"{archives['broken_wacz']},{tmp_path / 'nowhere.warc'},{archives['site']}")
    items = run_start(s)
    missing, broken = errors(items)
    assert missing.url == str(tmp_path / "nowhere.warc") and "no such file" in missing.message
    assert broken.url == str(archives["broken_wacz"].resolve()) and "broken.wacz" in broken.message
    assert len(captures(items)) == 2


def test_folders_are_searched_sorted_for_warc_files(tmp_path, archives):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.warc.gz").write_bytes(archives["site"].read_bytes())
    (folder / "sub" / "a.wacz").write_bytes(archives["wacz"].read_bytes())
    (folder / "notes.txt").write_text("not an archive")
    (folder / "c.WARC").write_bytes(gzip.decompress(archives["site"].read_bytes()))
    files, problems = find_archive_files([str(folder), str(folder / "b.warc.gz")])
    assert [p.relative_to(folder.resolve()).as_posix() for p in files] == ["b.warc.gz", "c.WARC", "sub/a.wacz"]
    assert problems == []
    assert find_archive_files([str(tmp_path / "empty")])[1]  # missing
    (tmp_path / "empty").mkdir()
    assert "no .warc" in find_archive_files([str(tmp_path / "empty")])[1][0][1]
    assert [archive_stem(p) for p in files] == ["b", "c", "a"]


def test_same_capture_twice_in_one_run_is_yielded_once(tmp_path, archives):
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "site-warc.warc.gz").write_bytes(archives["site"].read_bytes())
    s = spider(tmp_path, path=f"{archives['site']},{copy / 'site-warc.warc.gz'}")
    assert len(captures(run_start(s))) == 2
    assert s.crawler.stats.get_value("winnow/warc_skipped_records/duplicate") == 2


def test_stored_captures_are_skipped(tmp_path, archives):
    from extractors.capture import Capture
    from winnow.db import capture_row, open_db, store_capture

    db_path = tmp_path / "w.db"
    db = open_db(db_path)
    store_capture(db, capture_row(Capture("http://example.org/", "20151214144500", "warc", "mixed")))
    store_capture(db, capture_row(Capture("http://example.org/about/", "20151214144500", "wayback")))
    db.close()
    s = make_spider(WarcSpider, {"WINNOW_DB": str(db_path)}, path=str(archives["mixed"]))
    urls = [i.fetched_url for i in captures(run_start(s))]
    assert urls == ["http://example.org/notes.html", "http://example.org/page.xhtml"]
    assert s.crawler.stats.get_value("winnow/captures_already_stored") == 2
    s = make_spider(WarcSpider, {"WINNOW_DB": str(db_path), "WINNOW_SKIP_STORED": False}, path=str(archives["mixed"]))
    assert len(captures(run_start(s))) == 4


@pytest.mark.parametrize("arguments, message", [
    ({"path": ""}, "at least one file or folder"),
    ({"path": "x.warc", "status": "ok"}, "HTTP status codes"),
])
def test_bad_arguments_are_refused_clearly(tmp_path, arguments, message):
    with pytest.raises(ValueError, match=message):
        spider(tmp_path, **arguments)


def run_scrapy(tmp, path):
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "warc", "-a", f"path={path}",
         "-s", f"WINNOW_DB={tmp}/w.db", "-s", f"WINNOW_WARC_DIR={tmp}/warcs", "-s", "LOG_LEVEL=INFO"],
        cwd=PROJECT, capture_output=True, text=True, timeout=240,
        env={**os.environ, "PYTHONPATH": str(PROJECT)})


def test_scrapy_crawl_warc_stores_the_bundled_captures(tmp_path):
    first = run_scrapy(tmp_path, BUNDLED)
    assert first.returncode == 0, first.stderr[-3000:]
    with sqlite3.connect(tmp_path / "w.db") as conn:
        rows = conn.execute("select c.original_url, c.timestamp, c.archive, c.collection, c.digest, d.text "
                            "from documents d join captures c using (capture_id) order by c.timestamp").fetchall()
        assert conn.execute("select count(*) from errors").fetchone()[0] == 0
    assert len(rows) == 6
    assert {(r[2], r[3]) for r in rows} == {("warc", "wayback")}
    assert rows[0][:2] == ("https://emis.uis.unesco.org/unesco-gpe-launch-first-international-conference-on-emis/",
                           "20180501103000")
    assert rows[0][4] == "W4JNR32SO45EM7CKAU2GCJR5KKJIKV4V"
    assert all(len(r[5]) > 100 for r in rows)
    # a second run finds every capture stored and stores nothing
    second = run_scrapy(tmp_path, BUNDLED)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "'winnow/captures_already_stored': 6" in second.stderr
    with sqlite3.connect(tmp_path / "w.db") as conn:
        assert conn.execute("select count(*) from documents").fetchone()[0] == 6
