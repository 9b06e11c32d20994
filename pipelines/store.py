"""Store captures, documents, removals and errors in SQLite (the only database writer).

A capture already stored (same capture id) and a document already stored (same capture and
extractor version) are left as they are, so running the same crawl twice stores nothing twice.
A live page whose text did not change since it was last stored adds nothing (counted as
unchanged). A capture that is not a page (an archived redirect or error page, a soft 404: see
extractors/page_kind.py) is stored as a capture with its `page_kind`, never as a document.
Stats: winnow/captures_stored, winnow/documents_stored, winnow/unchanged, winnow/non_pages,
winnow/removed/<kind>, winnow/errors.

Setting: WINNOW_DB (default "winnow.db").
"""
from __future__ import annotations

from crawler.items import CaptureItem, ErrorItem
from extractors import NON_PAGE_FLAGS
from extractors.urls import surt
from winnow import db as storage


class SqliteStorePipeline:
    def __init__(self, path: str, stats):
        self.path = path
        self.stats = stats
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("WINNOW_DB", "winnow.db"), crawler.stats)

    def open_spider(self):
        self.db = storage.open_db(self.path)

    def close_spider(self):
        if self.db is not None:
            self.db.close()

    def _unchanged_live_page(self, item: CaptureItem) -> bool:
        """A live page whose text did not change since it was last stored adds no new version."""
        if item.archive != "live" or item.document is None:
            return False
        return storage.latest_content_hash(self.db, surt(item.original_url)) == item.document.content_hash

    def process_item(self, item):
        if isinstance(item, ErrorItem):
            storage.store_error(self.db, item.url, item.stage, item.message, item.source)
            self.stats.inc_value("winnow/errors")
            return item
        if not isinstance(item, CaptureItem):
            return item
        capture = item.capture
        if self._unchanged_live_page(item):
            self.stats.inc_value("winnow/unchanged")
            return item
        non_page = next((f for f in (item.document.flags if item.document else []) if f in NON_PAGE_FLAGS), None)
        row = storage.capture_row(
            capture,
            fetch_status=item.fetch_status,
            fetched_at=item.fetched_at,
            warc_file=item.warc_file,
            warc_offset=item.warc_offset,
            warc_length=item.warc_length,
            page_kind=non_page or "page",
        )
        if storage.store_capture(self.db, row):
            self.stats.inc_value("winnow/captures_stored")
        if item.extraction_error:
            storage.store_error(self.db, item.fetched_url, "extract", item.extraction_error, item.archive)
            self.stats.inc_value("winnow/errors")
        elif non_page:
            self.stats.inc_value("winnow/non_pages")
        elif item.document is not None:
            if storage.store_document(self.db, capture.key, item.document):
                self.stats.inc_value("winnow/documents_stored")
                for removal in item.document.removed:
                    self.stats.inc_value(f"winnow/removed/{removal.kind}")
            else:
                self.stats.inc_value("winnow/unchanged")
        return item
