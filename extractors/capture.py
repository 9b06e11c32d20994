"""What winnow knows about one capture, and what extraction returns for it.

These records are the interface between the crawler, the extractors and the storage: the
spider fills a `Capture`, `extractors.extract` returns a `Document`, the pipelines store both.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from extractors.urls import capture_key, timestamp_to_iso


@dataclass(frozen=True)
class Capture:
    """Metadata of one capture, as far as it is known before extraction.

    `timestamp` is the archive's 14-digit capture time (UTC); `fetched_url` is where the bytes
    came from (a replay URL for archived pages), `original_url` the address that was archived.
    """

    original_url: str | None = None
    timestamp: str | None = None
    archive: str | None = None  # "archive-it", "wayback", "pywb", "live", "file"
    collection: str | None = None  # the archive's collection id, e.g. Archive-It's number
    digest: str | None = None  # payload digest as the archive reports it (sha1, base32)
    status: int | None = None  # HTTP status the archive recorded at crawl time
    mime: str | None = None
    fetched_url: str | None = None

    @property
    def capture_time(self) -> str | None:
        return timestamp_to_iso(self.timestamp)

    @property
    def key(self) -> str | None:
        return capture_key(self.archive, self.collection, self.timestamp, self.original_url)


@dataclass(frozen=True)
class Removal:
    """One segment the extractor took out, and why."""

    kind: str  # what it was: "banner", "replay-insert", "ui-crumb", "placeholder", "duplicate", ...
    rule: str  # the rule that removed it, e.g. "banner.archive-it-sentence"
    text: str
    position: int  # paragraph index in the text before cleaning (-1 for markup removed before)


@dataclass
class Document:
    """The clean text of one capture with its provenance and the record of what was removed."""

    text: str
    title: str | None
    original_url: str | None
    capture_time: str | None  # ISO 8601, UTC
    timestamp: str | None  # the archive's 14-digit form
    archive: str | None
    collection: str | None
    collection_name: str | None
    organisation: str | None
    language: str | None
    language_score: float | None
    published: str | None  # ISO 8601 date
    content_hash: str  # sha256 of `text`
    extractor_version: str
    removed: list[Removal] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)  # fields read off the page, e.g. "where"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
