"""Index WARC files the way CDX servers do, and read/write the index as CDXJ.

One line per `response` record: ``urlkey timestamp {json}``, where the JSON holds
url, mime, status, digest, length, offset and filename (pywb's CDXJ layout, so
pywb could serve the same files). The offset/length pair lets a replay server
seek straight to a record instead of scanning the WARC.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from extractors.urls import surt

__all__ = ["CdxRecord", "WarcEntry", "read_warc", "record_mime", "wacz_warc_members", "copy_member", "index_warc", "index_warcs", "write_cdxj", "read_cdxj"]


@dataclass(frozen=True, order=True)
class CdxRecord:
    """One capture. Field order is the sort order of an index (urlkey, then time)."""

    urlkey: str
    timestamp: str  # 14 digits, UTC
    url: str  # the original URL (CDX field "original")
    mime: str  # Content-Type without parameters (CDX field "mimetype"), "unk" when absent
    status: int  # HTTP status code (CDX field "statuscode")
    digest: str  # base32 sha1 of the payload, without "sha1:"
    length: int  # bytes the record takes in the WARC file (compressed)
    offset: int  # where the record starts in the WARC file
    filename: str  # basename of the WARC file

    def to_cdxj(self) -> str:
        # pywb writes every value as a string; keep that so its tools read our files
        data = {"url": self.url, "mime": self.mime, "status": str(self.status), "digest": self.digest,
                "length": str(self.length), "offset": str(self.offset), "filename": self.filename}
        return f"{self.urlkey} {self.timestamp} {json.dumps(data, ensure_ascii=False)}"

    @classmethod
    def from_cdxj(cls, line: str) -> "CdxRecord":
        urlkey, timestamp, data = line.rstrip("\n").split(" ", 2)
        fields = json.loads(data)
        return cls(urlkey=urlkey, timestamp=timestamp, url=fields["url"], mime=fields.get("mime", "unk"),
                   status=int(fields.get("status") or 0), digest=fields.get("digest", ""),
                   length=int(fields.get("length", 0)), offset=int(fields.get("offset", 0)),
                   filename=fields.get("filename", ""))

    def as_dict(self) -> dict:
        return asdict(self)


def sha1_base32(data: bytes) -> str:
    """The payload digest as WARC files and CDX indexes write it (without "sha1:")."""
    return base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def warc_timestamp(warc_date: str | None) -> str | None:
    """WARC-Date "2015-12-14T14:45:00Z" (or with fractions) -> "20151214144500"; None if unusable."""
    digits = re.sub(r"\D", "", warc_date or "")[:14]
    return digits if len(digits) == 14 else None


@dataclass(frozen=True)
class WarcEntry:
    """One record read in full from a WARC file, with where it sits in the file."""

    record: object  # warcio ArcWarcRecord; its streams are consumed, use `payload`
    payload: bytes  # the block (HTTP headers stripped for response records)
    offset: int
    length: int


def read_warc(path: str | os.PathLike) -> Iterator[WarcEntry]:
    """Read every record of a WARC file (gzipped or not), checking that none was cut short.

    warcio stops silently at a truncated end; here a broken or truncated file raises ValueError
    naming the file, after the records before the damage were yielded.
    """
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            iterator = ArchiveIterator(stream)
            end = 0  # where the last readable record ends
            for record in iterator:
                if not record.rec_type or record.length is None:  # headers cut before Content-Length
                    raise EOFError(f"unreadable record header at byte {iterator.offset}")
                payload = record.content_stream().read() if record.rec_type == "response" else record.raw_stream.read()
                # bytes still owed by the block's Content-Length mean the file was cut short
                if getattr(record.raw_stream, "limit", 0) > 0:
                    raise EOFError(f"{record.rec_type} record at byte {iterator.offset} is truncated")
                offset, length = iterator.get_record_offset(), iterator.get_record_length()
                end = offset + length
                yield WarcEntry(record, payload, offset, length)
            # a record cut inside its gzip member reads as a clean end of file: check nothing is left over
            stream.seek(end)
            leftover = stream.read(1 << 16).strip()
            if leftover:
                raise EOFError(f"unreadable data from byte {end} of {path.stat().st_size} (truncated?)")
    except (ArchiveLoadFailed, EOFError, zlib.error, OSError, ValueError) as exc:
        raise ValueError(f"cannot read WARC file {path.name} ({path}): {exc}") from exc


WARC_SUFFIXES = (".warc", ".warc.gz")


def record_mime(record) -> str:
    """The media type of a record's payload ("" when it has none): the HTTP Content-Type of a
    response record, the record's own Content-Type otherwise."""
    headers = record.http_headers if record.http_headers else record.rec_headers
    return (headers.get_header("Content-Type") or "").split(";", 1)[0].strip().lower()


def wacz_warc_members(package: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The WARC files of a WACZ package (archive/*.warc[.gz]), in name order."""
    return sorted((info for info in package.infolist()
                   if info.filename.startswith("archive/") and not info.is_dir()
                   and info.filename.lower().endswith(WARC_SUFFIXES)), key=lambda info: info.filename)


def copy_member(package: zipfile.ZipFile, info: zipfile.ZipInfo, folder: Path) -> Path:
    """Copy a zip member into folder (warcio needs a seekable file); only its base name is used,
    so no path inside the zip can write elsewhere."""
    copy = Path(folder) / Path(info.filename).name
    with package.open(info) as source, open(copy, "wb") as target:
        shutil.copyfileobj(source, target, 1 << 20)
    return copy


def index_warc(path: str | os.PathLike) -> list[CdxRecord]:
    """Index the response records of one WARC file; ValueError naming the file if it is broken."""
    path = Path(path)
    records: list[CdxRecord] = []
    for entry in read_warc(path):
        record = entry.record
        if record.rec_type != "response":
            continue
        http = record.http_headers
        digest = record.rec_headers.get_header("WARC-Payload-Digest") or ""
        digest = digest.split(":", 1)[1] if digest.lower().startswith("sha1:") else digest
        content_type = (http.get_header("Content-Type") if http else None) or ""
        url = record.rec_headers.get_header("WARC-Target-URI")
        timestamp = warc_timestamp(record.rec_headers.get_header("WARC-Date"))
        if timestamp is None:
            raise ValueError(f"cannot index WARC file {path.name} ({path}): bad WARC-Date "
                             f"{record.rec_headers.get_header('WARC-Date')!r} at byte {entry.offset}")
        records.append(CdxRecord(
            urlkey=surt(url),
            timestamp=timestamp,
            url=url,
            mime=content_type.split(";", 1)[0].strip().lower() or "unk",
            status=int(http.get_statuscode() or 0) if http else 0,
            digest=digest or sha1_base32(entry.payload),
            length=entry.length,
            offset=entry.offset,
            filename=path.name,
        ))
    return records


def index_warcs(paths) -> list[CdxRecord]:
    """Index several WARC files into one sorted list."""
    return sorted(record for path in paths for record in index_warc(path))


def write_cdxj(records, path: str | os.PathLike) -> None:
    """Write records as sorted CDXJ lines (the order CDX servers binary-search on)."""
    lines = sorted(record.to_cdxj() for record in records)
    Path(path).write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def read_cdxj(path: str | os.PathLike) -> list[CdxRecord]:
    """Read a CDXJ file written by write_cdxj (or by pywb's indexer); skips comments and blank lines."""
    with open(path, encoding="utf-8") as handle:
        return sorted(CdxRecord.from_cdxj(line) for line in handle if line.strip() and not line.startswith(("!", "#")))
