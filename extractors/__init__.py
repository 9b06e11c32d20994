"""winnow's extractors: archived HTML pages and text dumps -> clean, traceable documents.

Public API:
    EXTRACTOR_VERSION
    extract_html(data: bytes, capture: Capture | None = None) -> Document
    extract_text(text: str, capture: Capture | None = None) -> Document

Both are pure (no network, no files), deterministic, and never raise: junk input gives a Document
with empty text and the flag "empty" (plus "not-html" / "extraction-error" when that is the reason).

Pipeline (one module per concern):
    decode.py     bytes -> str (BOM, <meta> charset, utf-8, cp1252; ftfy.fix_encoding; NFC)
    replay.py     replay inserts out (Wayback toolbar/scripts, Archive-It banner, pywb insert), facts kept,
                  links un-rewritten
    main_text.py  trafilatura on the cleaned tree (visible-text fallback, flag "fallback-extraction")
    cleaning.py   named paragraph rules (banners, crumbs, placeholders, Latin filler, duplicates)
    textdump.py   text dumps -> paragraphs (+ banner facts)
    metadata.py   banner parsing, event fields, language, publication date

Text layout: paragraphs joined by "\\n\\n". HTML list items are paragraphs without a marker; text dumps
keep their lines as written (a "•" bullet in a dump stays in the text).

Flags: "empty", "not-html", "extraction-error", "fallback-extraction", "mostly-placeholder", "cookie-wall",
and for captures that are not pages (page_kind.py): "archived-redirect", "archived-error", "soft-404".
"""
from __future__ import annotations

import hashlib
import re

from extractors.capture import Capture, Document, Removal
from extractors.cleaning import clean_positioned, placeholder_share
from extractors.decode import decode_html
from extractors.main_text import main_paragraphs
from extractors.metadata import detect_language, event_fields, find_published
from extractors.page_kind import NON_PAGE_FLAGS, page_flags
from extractors.replay import ReplayInfo, strip_replay
from extractors.textdump import dump_facts, split_paragraphs
from extractors.urls import archive_of, parse_replay_url, timestamp_to_iso

# EXTRACTOR_VERSION bump rules (semver on the output, not on the code):
#   patch (0.1.x): a fix that changes no stored text for pages that were extracted correctly;
#   minor (0.x.0): any change of a rule, a rule order, trafilatura options or a dependency's major
#                  version that can change `text`, `removed` or a metadata field of stored documents
#                  (re-extraction of stored captures is worth it);
#   major (x.0.0): a change of the Document layout or of the text layout (paragraph joining, list markers).
EXTRACTOR_VERSION = "0.1.0"

__all__ = ["EXTRACTOR_VERSION", "NON_PAGE_FLAGS", "extract_html", "extract_text", "Capture", "Document", "Removal"]

MOSTLY_PLACEHOLDER = 0.5
_HTML_TAG = re.compile(
    r"<\s*(?:!doctype|html|head|body|title|meta|p|div|span|h[1-6]|table|article|section|main|br|a|ul|ol|li|"
    r"script|style|link|font|center|frameset|iframe|img|form|nav|header|footer)\b", re.I)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    if not sample:
        return False
    odd = sum(1 for ch in sample if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r"))
    return odd / len(sample) > 0.1


def _facts_from_capture(capture: Capture | None) -> dict:
    """What the capture record tells, with a replay fetched_url filling gaps."""
    facts: dict = {}
    if capture is None:
        return facts
    address = parse_replay_url(capture.fetched_url) if capture.fetched_url else None
    facts["original_url"] = capture.original_url or (address.original_url if address else None)
    facts["timestamp"] = capture.timestamp or (address.timestamp if address else None)
    facts["archive"] = capture.archive or archive_of(capture.fetched_url)
    collection = capture.collection
    if collection is None and address and facts["archive"] in ("archive-it", "pywb"):
        collection = address.collection
    facts["collection"] = collection
    facts["archived_status"] = capture.status
    return {k: v for k, v in facts.items() if v}


def _document(paragraphs: list[str], removals: list[Removal], flags: list[str], *, title: str | None,
              facts: dict, original: list[str], tree=None) -> Document:
    text = "\n\n".join(paragraphs)
    if not text:
        flags = flags + ["empty"] if "empty" not in flags else flags
    if original and placeholder_share(original, removals) > MOSTLY_PLACEHOLDER:
        flags.append("mostly-placeholder")
    flags += [flag for flag in page_flags(title, paragraphs, facts.get("archived_status")) if flag not in flags]
    timestamp = facts.get("timestamp")
    capture_time = timestamp_to_iso(timestamp) or facts.get("capture_time")
    language, score = detect_language(text) if text else (None, None)
    published = None
    if text:
        published = find_published(tree, paragraphs, capture_time, facts.get("original_url"))
    return Document(
        text=text,
        title=title,
        original_url=facts.get("original_url"),
        capture_time=capture_time,
        timestamp=timestamp,
        archive=facts.get("archive"),
        collection=facts.get("collection"),
        collection_name=facts.get("collection_name"),
        organisation=facts.get("organisation"),
        language=language,
        language_score=score,
        published=published,
        content_hash=_hash(text),
        extractor_version=EXTRACTOR_VERSION,
        removed=removals,
        flags=flags,
        metadata=event_fields(paragraphs) if paragraphs else {},
    )


def _empty(capture: Capture | None, flags: list[str], removals: list[Removal] | None = None,
           facts: dict | None = None) -> Document:
    facts = facts if facts is not None else _facts_from_capture(capture)
    return _document([], removals or [], list(flags), title=None, facts=facts, original=[])


def _merge(primary: dict, recovered: dict) -> dict:
    """Capture facts win; the page fills the gaps."""
    merged = dict(recovered)
    merged.update({k: v for k, v in primary.items() if v})
    return merged


def _info_facts(info: ReplayInfo) -> dict:
    facts = {
        "original_url": info.original_url or info.canonical,
        "timestamp": info.timestamp,
        "capture_time": info.capture_time,
        "archive": info.archive,
        "collection": info.collection if info.archive in ("archive-it", "pywb") else None,
        "collection_name": info.collection_name,
        "organisation": info.organisation,
    }
    return {k: v for k, v in facts.items() if v}


def extract_html(data: bytes, capture: Capture | None = None, trace: list | None = None) -> Document:
    """HTML bytes (raw or as a replay system served them) + what is known of the capture -> Document.

    `trace`, when given, receives the kept paragraphs with their positions before cleaning, so that
    `explain` can interleave them with the removals.
    """
    try:
        return _extract_html(data, capture, trace)
    except Exception:  # noqa: BLE001 - extraction never raises; the flag says it failed
        try:
            return _empty(capture, ["extraction-error"])
        except Exception:  # noqa: BLE001
            return Document(text="", title=None, original_url=None, capture_time=None, timestamp=None,
                            archive=None, collection=None, collection_name=None, organisation=None,
                            language=None, language_score=None, published=None, content_hash=_hash(""),
                            extractor_version=EXTRACTOR_VERSION, flags=["empty", "extraction-error"])


def _extract_html(data: bytes, capture: Capture | None, trace: list | None = None) -> Document:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        data = str(data).encode("utf-8", "replace") if data is not None else b""
    text = decode_html(bytes(data))
    if not text.strip():
        return _empty(capture, [])
    if _looks_binary(text) or not _HTML_TAG.search(text[:65536]):
        return _empty(capture, ["not-html"])
    primary = _facts_from_capture(capture)
    replay_hint = bool(primary.get("archive") in ("archive-it", "wayback", "pywb")
                       or (capture and capture.fetched_url and parse_replay_url(capture.fetched_url)))
    tree, info = strip_replay(text, replay_hint=replay_hint)
    facts = _merge(primary, _info_facts(info))
    if tree is None:
        return _empty(capture, [], info.removals, facts)
    paragraphs, title, flags = main_paragraphs(tree, facts.get("original_url"))
    kept, removals = clean_positioned(paragraphs)
    if trace is not None:
        trace.extend(kept)
    return _document([p.text for p in kept], info.removals + removals, flags, title=title, facts=facts,
                     original=paragraphs, tree=tree)


def extract_text(text: str, capture: Capture | None = None, trace: list | None = None) -> Document:
    """A plain-text dump (one paragraph per line) + what is known of the capture -> Document
    (`trace` as for extract_html)."""
    try:
        if isinstance(text, (bytes, bytearray)):
            text = bytes(text).decode("utf-8", "replace")
        paragraphs = split_paragraphs(text or "")
        facts = _merge(_facts_from_capture(capture), dump_facts(paragraphs))
        if not paragraphs:
            return _empty(capture, [], facts=facts)
        kept, removals = clean_positioned(paragraphs)
        if trace is not None:
            trace.extend(kept)
        return _document([p.text for p in kept], removals, [], title=None, facts=facts, original=paragraphs)
    except Exception:  # noqa: BLE001
        return _empty(None, ["extraction-error"])
