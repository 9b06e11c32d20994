"""Files a user hands to `winnow extract`: HTML pages, WARC files, plain-text dumps.

Each yields (source, document): source names the file, and for WARC files the record's offset.
The kind of file is sniffed from its first bytes, not trusted from its name.
"""
from __future__ import annotations

import gzip
import tempfile
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path


from extractors import extract_html, extract_text
from extractors.capture import Capture, Document
from extractors.urls import archive_of, parse_replay_url
from winnow.archive_index import copy_member, record_mime, wacz_warc_members, warc_timestamp
from winnow.archive_index import read_warc as read_warc_records

_HTML_HINTS = (b"<!doctype", b"<html", b"<head", b"<body", b"<meta", b"<div", b"<p", b"<title", b"<!--")


def capture_from_url(url: str | None) -> Capture | None:
    """What an address tells of a capture: a replay URL gives original URL, time and archive."""
    if not url:
        return None
    address = parse_replay_url(url)
    if address is None:
        return Capture(original_url=url, archive="live", fetched_url=url)
    return Capture(
        original_url=address.original_url,
        timestamp=address.timestamp,
        archive=archive_of(url),
        collection=address.collection if archive_of(url) == "archive-it" else None,
        fetched_url=url,
    )


def sniff(head: bytes) -> str:
    """'wacz', 'warc', 'html' or 'text' from the first bytes of a file."""
    if head[:4] == b"PK\x03\x04":
        return "wacz"
    if head[:2] == b"\x1f\x8b":
        try:
            head = gzip.GzipFile(fileobj=BytesIO(head)).read(64)
        except (OSError, EOFError):
            return "warc"  # a truncated gzip member: let the WARC reader report it
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(b"warc/"):
        return "warc"
    if start.startswith(_HTML_HINTS) or b"<html" in start[:2048].lower():
        return "html"
    return "text"


def read_path(path: Path, url: str | None = None, trace: list | None = None) -> Iterator[tuple[str, Document]]:
    """Documents of a file; `trace` (see extract_html) is filled for HTML files and text dumps."""
    with open(path, "rb") as handle:
        kind = sniff(handle.read(4096))
    if kind == "wacz":
        yield from read_wacz(path)
    elif kind == "warc":
        yield from read_warc(path)
    elif kind == "html":
        yield str(path), extract_html(path.read_bytes(), capture_from_url(url), trace)
    else:
        text = path.read_bytes().decode("utf-8", errors="replace")
        yield str(path), extract_text(text, capture_from_url(url), trace)


def read_wacz(path: Path) -> Iterator[tuple[str, Document]]:
    """The WARC files of a WACZ package (archive/*.warc[.gz]), each copied out to read it."""
    try:
        package = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise ValueError(f"{path} is not a readable WACZ (zip) file: {error}") from error
    with package, tempfile.TemporaryDirectory(prefix="winnow-wacz-") as folder:
        members = wacz_warc_members(package)
        if not members:
            raise ValueError(f"{path} holds no archive/*.warc.gz: not a WACZ package")
        for member in members:
            copy = copy_member(package, member, Path(folder))
            for source_name, document in read_warc(copy):
                yield f"{path}#{member.filename}#{source_name.rsplit('#', 1)[1]}", document
            copy.unlink()


def read_warc(path: Path) -> Iterator[tuple[str, Document]]:
    """One document per HTML response (or resource) record, in file order; a truncated or
    broken file raises ValueError naming it, after the records before the damage."""
    for entry in read_warc_records(path):
        record = entry.record
        if record.rec_type not in ("response", "resource"):
            continue
        mime = record_mime(record)
        if mime and "html" not in mime:
            continue
        target = record.rec_headers.get_header("WARC-Target-URI")
        capture = capture_from_url(target)
        if capture is not None and capture.timestamp is None:
            capture = Capture(original_url=capture.original_url, timestamp=warc_timestamp(record.rec_headers.get_header("WARC-Date")),
                              archive="warc", digest=record.rec_headers.get_header("WARC-Payload-Digest"),
                              fetched_url=target, mime=mime)
        yield f"{path}#{entry.offset}", extract_html(entry.payload, capture)




