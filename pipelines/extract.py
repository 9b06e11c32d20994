"""Turn the raw bytes of each capture into a clean document (the extractors are pure functions).

An extraction that fails is recorded on the item (`extraction_error`) and the run goes on; the
store pipeline keeps the capture and the error, so the capture can be re-extracted later.
"""
from __future__ import annotations

from crawler.items import CaptureItem
from extractors import extract_html


class ExtractPipeline:
    def __init__(self, stats=None):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, CaptureItem):
            return item
        try:
            item.document = extract_html(item.body, item.capture)
        except Exception as error:  # noqa: BLE001 - one bad page must not stop the crawl
            item.extraction_error = f"{type(error).__name__}: {error}"
            if self.stats:
                self.stats.inc_value("winnow/extraction_errors")
        return item
