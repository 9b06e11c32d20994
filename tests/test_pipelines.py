"""Item pipelines: raw bytes into WARC with pointers, documents and errors into SQLite."""
from warcio.archiveiterator import ArchiveIterator

from crawler.items import CaptureItem, ErrorItem
from crawler.spiders.wayback import WaybackSpider
from pipelines.store import SqliteStorePipeline
from pipelines.warc import WarcWriterPipeline
from test_db import document
from winnow.db import open_db

BODY = "<html><body><p>Éducation pour tous</p></body></html>".encode()


def item(**changes):
    values = dict(
        original_url="https://uil.unesco.org/event/x", timestamp="20201206072020", archive="archive-it",
        collection="3181", digest="DIGEST", status=200, mime="text/html",
        fetched_url="http://127.0.0.1:1/3181/20201206072020id_/https://uil.unesco.org/event/x", body=BODY,
        fetch_headers=[("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")],
        fetched_at="2026-11-23T09:00:00Z",
    )
    values.update(changes)
    return CaptureItem(**values)


def test_warc_records_hold_the_raw_bytes_at_the_recorded_offsets(tmp_path):
    pipeline = WarcWriterPipeline(str(tmp_path / "warcs"), "wayback")
    pipeline.open_spider()
    first = pipeline.process_item(item())
    second = pipeline.process_item(item(timestamp="20210118093015", body=b"<p>second</p>"))
    pipeline.close_spider()
    assert first.warc_file == second.warc_file and first.warc_offset < second.warc_offset
    for stored in (first, second):
        with open(stored.warc_file, "rb") as handle:
            handle.seek(stored.warc_offset)
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_headers.get_header("WARC-Target-URI") == stored.fetched_url
            assert record.http_headers.get_header("Content-Encoding") is None  # body is stored decoded
            assert record.content_stream().read() == stored.body


def test_no_capture_no_warc_file(tmp_path):
    pipeline = WarcWriterPipeline(str(tmp_path / "warcs"), "wayback")
    pipeline.open_spider()
    pipeline.process_item(ErrorItem("http://x/", "fetch", "HTTP 500"))
    pipeline.close_spider()
    assert not list((tmp_path / "warcs").glob("*"))


def store_pipeline(tmp_path):
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(WaybackSpider, {"WINNOW_DB": str(tmp_path / "w.db")})
    crawler._apply_settings()
    pipeline = SqliteStorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    return pipeline, crawler.stats


def test_store_twice_keeps_one_of_each_and_counts_removals(tmp_path):
    pipeline, stats = store_pipeline(tmp_path)
    for _ in range(2):
        pipeline.process_item(item(document=document(), warc_file="a.warc.gz", warc_offset=0, warc_length=10))
    pipeline.close_spider()
    db = open_db(tmp_path / "w.db")
    assert db["captures"].count == 1 and db["documents"].count == 1 and db["removals"].count == 2
    assert next(db["captures"].rows)["warc_file"] == "a.warc.gz"
    assert stats.get_value("winnow/documents_stored") == 1 and stats.get_value("winnow/unchanged") == 1
    assert stats.get_value("winnow/removed/banner") == 1


def test_failures_are_recorded_and_the_capture_kept(tmp_path):
    pipeline, stats = store_pipeline(tmp_path)
    pipeline.process_item(ErrorItem("http://127.0.0.1:1/web/2018id_/http://a.org/", "fetch", "HTTP 503", "wayback"))
    pipeline.process_item(item(extraction_error="ValueError: bad page"))
    pipeline.close_spider()
    db = open_db(tmp_path / "w.db")
    assert [(e["stage"], e["message"]) for e in db["errors"].rows] == [("fetch", "HTTP 503"), ("extract", "ValueError: bad page")]
    assert db["captures"].count == 1 and db["documents"].count == 0
    assert stats.get_value("winnow/errors") == 2


def test_a_capture_that_is_not_a_page_is_kept_as_a_capture_only(tmp_path):
    pipeline, stats = store_pipeline(tmp_path)
    not_a_page = document(text="429 Too Many Requests")
    not_a_page.flags = ["archived-error"]
    pipeline.process_item(item(document=not_a_page))
    pipeline.close_spider()
    db = open_db(tmp_path / "w.db")
    assert [c["page_kind"] for c in db["captures"].rows] == ["archived-error"]
    assert db["documents"].count == 0 and stats.get_value("winnow/non_pages") == 1


def test_a_live_page_with_unchanged_text_adds_no_new_version(tmp_path):
    pipeline, stats = store_pipeline(tmp_path)
    live = dict(archive="live", collection=None, fetched_url="https://uil.unesco.org/event/x")
    pipeline.process_item(item(timestamp="20261120000000", document=document(), **live))
    pipeline.process_item(item(timestamp="20261123000000", document=document(), **live))
    changed = document(text="The meeting took place.")
    changed.content_hash = "another hash"
    pipeline.process_item(item(timestamp="20261124000000", document=changed, **live))
    pipeline.close_spider()
    db = open_db(tmp_path / "w.db")
    assert [c["timestamp"] for c in db["captures"].rows_where(order_by="timestamp")] == ["20261120000000", "20261124000000"]
    assert db["documents"].count == 2 and stats.get_value("winnow/unchanged") == 1


def test_captures_read_from_a_warc_are_not_copied_again(tmp_path):
    pipeline = WarcWriterPipeline(str(tmp_path / "warcs"), "warc")
    pipeline.open_spider()
    kept = pipeline.process_item(item(warc_file="input.warc.gz", warc_offset=123, warc_length=456))
    pipeline.close_spider()
    assert (kept.warc_file, kept.warc_offset, kept.warc_length) == ("input.warc.gz", 123, 456)
    assert not (tmp_path / "warcs").exists() or not list((tmp_path / "warcs").iterdir())


def test_warc_files_roll_over_at_the_size_limit(tmp_path):
    pipeline = WarcWriterPipeline(str(tmp_path / "warcs"), "wayback", max_bytes=1)
    pipeline.open_spider()
    stored = [pipeline.process_item(item(timestamp=f"2020010100000{i}")) for i in range(3)]
    pipeline.close_spider()
    files = sorted(p.name for p in (tmp_path / "warcs").iterdir())
    assert len(files) == 3 and [f[-13:] for f in files] == ["00000.warc.gz", "00001.warc.gz", "00002.warc.gz"]
    for record_item in stored:  # each pointer leads to its own record
        with open(record_item.warc_file, "rb") as handle:
            handle.seek(record_item.warc_offset)
            assert next(iter(ArchiveIterator(handle))).content_stream().read() == BODY
