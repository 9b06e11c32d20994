"""Keep the raw bytes of every capture in a WARC file, so that any stored capture can be
re-extracted later without the network. One gzip WARC file per crawl run and spider; each item
gets the file name, offset and length of its record. Items that already point at a WARC record
(read from local WARC files) are not written again.

Files roll over: once a file reaches WINNOW_WARC_MAX_BYTES the next record starts a new file
(…-00001.warc.gz, …-00002.warc.gz), so that files stay easy to move, check and re-read in parallel.

Settings: WINNOW_WARC_ENABLED (default True), WINNOW_WARC_DIR (default "warcs"),
WINNOW_WARC_MAX_BYTES (default 1 GB; 0 = never roll over).
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path

from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.items import CaptureItem

# Scrapy has already decoded these; the stored payload is the decoded body.
_DROP_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


class WarcWriterPipeline:
    def __init__(self, directory: str, spider_name: str, max_bytes: int = 1_000_000_000):
        self.directory = Path(directory)
        self.spider_name = spider_name
        self.max_bytes = max_bytes
        self.path: Path | None = None
        self._stem = ""
        self._sequence = 0
        self._file = None
        self._writer: WARCWriter | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("WINNOW_WARC_ENABLED", True):
            raise NotConfigured("WINNOW_WARC_ENABLED is off")
        return cls(crawler.settings.get("WINNOW_WARC_DIR", "warcs"), crawler.spidercls.name,
                   crawler.settings.getint("WINNOW_WARC_MAX_BYTES", 1_000_000_000))

    def open_spider(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        self._stem = f"winnow-{self.spider_name}-{stamp}-{os.getpid()}"

    def _open_file(self):
        # Opened on the first capture so that a run that fetched nothing leaves no empty file.
        self.path = self.directory / f"{self._stem}-{self._sequence:05d}.warc.gz"
        self._sequence += 1
        self._file = open(self.path, "ab")
        self._writer = WARCWriter(self._file, gzip=True)
        info = self._writer.create_warcinfo_record(self.path.name, {"software": "winnow 0.1", "format": "WARC File Format 1.1"})
        self._writer.write_record(info)

    def process_item(self, item):
        if not isinstance(item, CaptureItem) or item.warc_file is not None:
            return item  # nothing to keep, or its raw bytes are kept already (the warc spider's input)
        if self._writer is not None and self.max_bytes and self._file.tell() >= self.max_bytes:
            self._file.close()
            self._writer = None
        if self._writer is None:
            self._open_file()
        headers = [(k, v) for k, v in item.fetch_headers if k.lower() not in _DROP_HEADERS]
        headers.append(("Content-Length", str(len(item.body))))
        http_headers = StatusAndHeaders(f"{item.fetch_status} OK", headers, protocol="HTTP/1.1")
        record = self._writer.create_warc_record(
            item.fetched_url,
            "response",
            payload=BytesIO(item.body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": _warc_date(item.fetched_at)},
        )
        offset = self._file.tell()
        self._writer.write_record(record)
        self._file.flush()
        item.warc_file = str(self.path)
        item.warc_offset = offset
        item.warc_length = self._file.tell() - offset
        return item

    def close_spider(self):
        if self._file is not None:
            self._file.close()


def _warc_date(iso: str | None) -> str:
    return iso or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
