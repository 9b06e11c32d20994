"""The SQLite database: schema, idempotent writes, full-text search."""
import json

from extractors.capture import Capture, Document, Removal
from winnow.db import capture_row, open_db, search, store_capture, store_document, store_error, stored_capture_keys

CAPTURE = Capture("https://uil.unesco.org/event/x", "20201206072020", "archive-it", "3181", "DIGEST", 200, "text/html",
                  "http://127.0.0.1:1/3181/20201206072020/https://uil.unesco.org/event/x")


def document(text="UNESCO learning cities meet on educational planning.", version="0.1.0"):
    return Document(
        text=text, title="UNESCO learning cities' meeting", original_url=CAPTURE.original_url,
        capture_time=CAPTURE.capture_time, timestamp=CAPTURE.timestamp, archive="archive-it", collection="3181",
        collection_name="UNESCO", organisation="UNESCO", language="en", language_score=0.99, published="2020-11-17",
        content_hash="h", extractor_version=version,
        removed=[Removal("banner", "banner.archive-it-sentence", "You are viewing an archived web page", -1),
                 Removal("ui-crumb", "crumb.lone-symbol", "×", 3)],
        flags=[], metadata={"where": "Event (Republic of Korea)"},
    )


def test_schema_is_created_in_wal_mode(tmp_path):
    db = open_db(tmp_path / "w.db")
    assert {"captures", "documents", "removals", "errors", "documents_fts"} <= set(db.table_names())
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1


def test_same_capture_and_document_twice_store_once(tmp_path):
    db = open_db(tmp_path / "w.db")
    row = capture_row(CAPTURE, fetch_status=200)
    assert store_capture(db, row) is True
    assert store_capture(db, row) is False
    assert store_document(db, CAPTURE.key, document()) is True
    assert store_document(db, CAPTURE.key, document()) is False
    assert db["captures"].count == 1 and db["documents"].count == 1 and db["removals"].count == 2
    stored = next(db["documents"].rows)
    assert stored["document_id"] == f"{CAPTURE.key}#0.1.0"
    assert json.loads(stored["metadata"]) == {"where": "Event (Republic of Korea)"}
    assert [r["kind"] for r in db["removals"].rows_where(order_by="seq")] == ["banner", "ui-crumb"]


def test_a_new_extractor_version_adds_a_document_beside_the_old(tmp_path):
    db = open_db(tmp_path / "w.db")
    store_capture(db, capture_row(CAPTURE))
    store_document(db, CAPTURE.key, document())
    store_document(db, CAPTURE.key, document(version="0.2.0"))
    assert db["documents"].count == 2


def test_capture_row_keeps_provenance():
    row = capture_row(CAPTURE)
    assert row["capture_id"] == "archive-it/3181/20201206072020/org,unesco,uil)/event/x"
    assert row["capture_time"] == "2020-12-06T07:20:20Z" and row["url_key"] == "org,unesco,uil)/event/x"
    assert row["digest"] == "DIGEST" and row["archived_status"] == 200


def test_search_finds_by_stemmed_words_with_snippet(tmp_path):
    db = open_db(tmp_path / "w.db")
    store_capture(db, capture_row(CAPTURE))
    store_document(db, CAPTURE.key, document())
    (hit,) = search(db, "learning city")
    assert hit["original_url"] == CAPTURE.original_url and hit["capture_time"] == "2020-12-06T07:20:20Z"
    assert "[learning]" in hit["snippet"]
    assert search(db, "photosynthesis") == []
    assert search(db, 'planning" OR (') == []  # user input is quoted, never an FTS syntax error


def test_errors_and_stored_keys(tmp_path):
    path = tmp_path / "w.db"
    assert stored_capture_keys(path) == set()
    db = open_db(path)
    store_capture(db, capture_row(CAPTURE))
    store_error(db, "http://x/", "fetch", "HTTP 404", "wayback")
    assert stored_capture_keys(path) == {CAPTURE.key}
    assert next(db["errors"].rows)["message"] == "HTTP 404"


def test_a_database_from_an_earlier_schema_gains_the_new_columns(tmp_path):
    import sqlite_utils

    old = sqlite_utils.Database(tmp_path / "w.db")
    old["captures"].create({"capture_id": str, "original_url": str}, pk="capture_id")
    old["captures"].insert({"capture_id": "x", "original_url": "https://a.org/"})
    old.close()
    db = open_db(tmp_path / "w.db")
    assert {"canonical_url", "page_kind", "warc_offset"} <= set(db["captures"].columns_dict)
    assert next(db["captures"].rows)["original_url"] == "https://a.org/"
    assert store_capture(db, capture_row(CAPTURE)) is True
