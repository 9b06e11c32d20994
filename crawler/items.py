"""Items that flow from the spiders through the pipelines.

A `CaptureItem` carries the raw bytes of one capture and its metadata; the pipelines add the
WARC pointer, the extracted document and the storage outcome. An `ErrorItem` records a failure
(which URL, at which stage, why) so that the store pipeline, the only database writer, keeps it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from extractors.capture import Capture, Document

# Media types of the captures that become documents.
HTML_MIMES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass
class CaptureItem:
    original_url: str
    timestamp: str  # 14 digits, UTC
    archive: str  # "archive-it", "wayback", ...
    collection: str | None
    digest: str | None  # as listed by the archive's CDX
    status: int | None  # HTTP status recorded by the archive at crawl time
    mime: str | None
    fetched_url: str  # where the bytes came from (replay URL)
    body: bytes = field(repr=False)
    fetch_status: int = 200
    fetch_headers: list[tuple[str, str]] = field(default_factory=list, repr=False)
    fetched_at: str | None = None  # ISO 8601 UTC
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    document: Document | None = None
    extraction_error: str | None = None

    @property
    def capture(self) -> Capture:
        return Capture(
            original_url=self.original_url,
            timestamp=self.timestamp,
            archive=self.archive,
            collection=self.collection,
            digest=self.digest,
            status=self.status,
            mime=self.mime,
            fetched_url=self.fetched_url,
        )


@dataclass
class ErrorItem:
    url: str
    stage: str  # "cdx", "fetch", "extract", "store"
    message: str
    source: str | None = None  # spider name
