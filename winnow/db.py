"""The SQLite database researchers query: tables, their columns, and the writes winnow makes.

Tables (one row each per):
  captures   capture of a URL in an archive: where it came from and where its raw bytes are kept
  documents  extraction of a capture by one extractor version: clean text and metadata
  removals   segment an extraction removed: what kind, which rule, the text, its position
  errors     failure during a crawl or an extraction: which URL, at which stage, why
  runs       source crawled by one `winnow crawl` run, with its statistics
Full-text search: documents_fts over documents.title and documents.text (porter stemming).
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from extractors.capture import Capture, Document
from extractors.urls import canonical_url, surt

SCHEMA_VERSION = 1

CAPTURE_COLUMNS = {
    "capture_id": str,  # archive/collection/timestamp/surt: stable identity of the capture
    "original_url": str,  # as captured
    "canonical_url": str,  # original_url in a canonical form (lowercased host, sorted query, no fragment)
    "url_key": str,  # SURT form of original_url, as CDX indexes sort it
    "capture_time": str,  # ISO 8601 UTC
    "timestamp": str,  # the archive's 14 digits
    "archive": str,
    "collection": str,
    "digest": str,  # payload digest listed by the archive
    "archived_status": int,  # HTTP status the archive recorded at crawl time
    "mime": str,
    "fetched_url": str,
    "fetch_status": int,
    "fetched_at": str,
    "warc_file": str,  # where the raw bytes are kept, for re-extraction without the network
    "warc_offset": int,
    "warc_length": int,
    # "page", or why this capture is not one: "archived-redirect", "archived-error", "soft-404"
    "page_kind": str,
}
DOCUMENT_COLUMNS = {
    "document_id": str,  # capture_id#extractor_version
    "capture_id": str,
    "extractor_version": str,
    "title": str,
    "text": str,
    "language": str,
    "language_score": float,
    "published": str,
    "collection_name": str,
    "organisation": str,
    "word_count": int,
    "content_hash": str,  # sha256 of text: same text, same hash, across captures
    "flags": str,  # JSON list
    "metadata": str,  # JSON object of fields read off the page
    "extracted_at": str,
}
REMOVAL_COLUMNS = {
    "document_id": str,
    "seq": int,  # order in which the extractor removed it
    "position": int,  # paragraph index before cleaning; -1 for markup removed before text extraction
    "kind": str,
    "rule": str,
    "text": str,
}
RUN_COLUMNS = {
    "run_id": str,  # start time and process id: one crawl command
    "source": str,  # source name from the configuration
    "spider": str,
    "started_at": str,
    "finished_at": str,
    "duration_seconds": float,
    "pages_seen": int,  # captures fetched
    "new": int,  # documents stored
    "unchanged": int,  # listed but already stored, or fetched with nothing new
    "failed": int,  # errors recorded
    "finish_reason": str,  # "finished", "rate_limited", "shutdown", ... ("running" until it ends)
}
ERROR_COLUMNS = {
    "id": int,
    "url": str,
    "stage": str,
    "message": str,
    "source": str,
    "occurred_at": str,
}


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_db(path: str | os.PathLike) -> sqlite_utils.Database:
    """Open (creating if needed) a winnow database with its schema, in WAL mode."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.enable_wal()
    ensure_schema(db)
    return db


def ensure_schema(db: sqlite_utils.Database) -> None:
    db["captures"].create(CAPTURE_COLUMNS, pk="capture_id", if_not_exists=True)
    _add_missing_columns(db)
    db["documents"].create(DOCUMENT_COLUMNS, pk="document_id", if_not_exists=True,
                           foreign_keys=[("capture_id", "captures", "capture_id")])
    db["removals"].create(REMOVAL_COLUMNS, pk=("document_id", "seq"), if_not_exists=True,
                          foreign_keys=[("document_id", "documents", "document_id")])
    db["errors"].create(ERROR_COLUMNS, pk="id", if_not_exists=True)
    db["runs"].create(RUN_COLUMNS, pk=("run_id", "source"), if_not_exists=True)
    db["captures"].create_index(["original_url", "timestamp"], if_not_exists=True)
    db["captures"].create_index(["digest"], if_not_exists=True)
    db["documents"].create_index(["capture_id"], if_not_exists=True)
    db["documents"].create_index(["content_hash"], if_not_exists=True)
    db["removals"].create_index(["kind"], if_not_exists=True)
    if not db["documents_fts"].exists():
        db["documents"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _add_missing_columns(db: sqlite_utils.Database) -> None:
    """A database made by an earlier winnow gains the columns added since (nothing is rewritten)."""
    for table, columns in (("captures", CAPTURE_COLUMNS), ("documents", DOCUMENT_COLUMNS),
                           ("removals", REMOVAL_COLUMNS), ("errors", ERROR_COLUMNS), ("runs", RUN_COLUMNS)):
        if db[table].exists():
            present = db[table].columns_dict
            for name, kind in columns.items():
                if name not in present:
                    db[table].add_column(name, kind)


def stored_capture_keys(path: str | os.PathLike | None) -> set[str]:
    """Capture ids already in the database (empty when there is no database yet)."""
    return {row[0] for row in _stored_captures(path, "capture_id")}


def stored_digests(path: str | os.PathLike | None) -> set[tuple[str, str]]:
    """(url_key, digest) pairs already stored: the same content of the same URL, whatever its time."""
    return {(row[0], row[1]) for row in _stored_captures(path, "url_key, digest", "digest is not null")}


def _stored_captures(path: str | os.PathLike | None, columns: str, where: str = "1") -> list[tuple]:
    """Rows of the captures table, read without creating a database that is not there yet."""
    if not path or not Path(path).exists():
        return []
    db = sqlite_utils.Database(path)
    if not db["captures"].exists():
        return []
    return db.execute(f"select {columns} from captures where {where}").fetchall()


def latest_content_hash(db: sqlite_utils.Database, url_key: str) -> str | None:
    """The content hash of the newest stored document of a URL."""
    row = db.execute(
        "select d.content_hash from documents d join captures c using (capture_id) "
        "where c.url_key = ? order by c.timestamp desc limit 1", [url_key]).fetchone()
    return row[0] if row else None


def capture_row(capture: Capture, **extra) -> dict:
    return {
        "capture_id": capture.key,
        "original_url": capture.original_url,
        "canonical_url": canonical_url(capture.original_url) if capture.original_url else None,
        "url_key": surt(capture.original_url) if capture.original_url else None,
        "capture_time": capture.capture_time,
        "timestamp": capture.timestamp,
        "archive": capture.archive,
        "collection": capture.collection,
        "digest": capture.digest,
        "archived_status": capture.status,
        "mime": capture.mime,
        "fetched_url": capture.fetched_url,
        **extra,
    }


def document_id(capture_id: str, document: Document) -> str:
    return f"{capture_id}#{document.extractor_version}"


def store_capture(db: sqlite_utils.Database, row: dict) -> bool:
    """Insert a capture row; False when that capture was already stored."""
    if _exists(db, "captures", "capture_id", row["capture_id"]):
        return False
    db["captures"].insert(row)
    return True


def store_document(db: sqlite_utils.Database, capture_id: str, document: Document) -> bool:
    """Insert a document and its removals in one transaction; False when already stored."""
    doc_id = document_id(capture_id, document)
    if _exists(db, "documents", "document_id", doc_id):
        return False
    with db.conn:
        db["documents"].insert({
            "document_id": doc_id,
            "capture_id": capture_id,
            "extractor_version": document.extractor_version,
            "title": document.title,
            "text": document.text,
            "language": document.language,
            "language_score": document.language_score,
            "published": document.published,
            "collection_name": document.collection_name,
            "organisation": document.organisation,
            "word_count": len(document.text.split()),
            "content_hash": document.content_hash,
            "flags": json.dumps(document.flags),
            "metadata": json.dumps(document.metadata, ensure_ascii=False, sort_keys=True),
            "extracted_at": utc_now(),
        })
        db["removals"].insert_all(
            {"document_id": doc_id, "seq": seq, "position": r.position, "kind": r.kind, "rule": r.rule, "text": r.text}
            for seq, r in enumerate(document.removed)
        )
    return True


def store_error(db: sqlite_utils.Database, url: str, stage: str, message: str, source: str | None = None) -> None:
    db["errors"].insert({"url": url, "stage": stage, "message": message, "source": source, "occurred_at": utc_now()})


def search(db: sqlite_utils.Database, query: str, limit: int = 20, raw: bool = False) -> list[dict]:
    """Full-text search over titles and texts, best matches first, with a snippet of the text."""
    match = query if raw else db.quote_fts(query)
    sql = """
        select documents.title, captures.original_url, captures.capture_time, captures.archive,
               snippet(documents_fts, 1, '[', ']', '…', 16) as snippet, documents.document_id
        from documents_fts
        join documents on documents.rowid = documents_fts.rowid
        join captures on captures.capture_id = documents.capture_id
        where documents_fts match ?
        order by documents_fts.rank
        limit ?
    """
    return [dict(row) for row in db.query(sql, [match, limit])]


def start_run(db: sqlite_utils.Database, run_id: str, source: str, spider: str) -> None:
    db["runs"].upsert({"run_id": run_id, "source": source, "spider": spider, "started_at": utc_now(),
                       "finish_reason": "running"}, pk=("run_id", "source"))


def finish_run(db: sqlite_utils.Database, run_id: str, source: str, **figures) -> None:
    row = db["runs"].get((run_id, source))
    started = datetime.strptime(row["started_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    finished = datetime.now(timezone.utc)
    db["runs"].update((run_id, source), {
        "finished_at": finished.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_seconds": round((finished - started).total_seconds(), 1),
        **figures,
    })


def last_runs(db: sqlite_utils.Database, limit: int = 10) -> list[dict]:
    return list(db["runs"].rows_where(order_by="started_at desc, source", limit=limit))


def _exists(db: sqlite_utils.Database, table: str, column: str, value) -> bool:
    return db.execute(f"select 1 from [{table}] where [{column}] = ? limit 1", [value]).fetchone() is not None
