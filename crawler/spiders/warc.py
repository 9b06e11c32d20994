"""Local WARC and WACZ files: one capture per HTML record, no network.

    scrapy crawl warc -a path=crawls/2015/,extra/site.warc.gz,export/site.wacz

Arguments (`-a key=value`):
  path     one or more files or folders, comma separated. Folders are searched (recursively,
           sorted) for .warc, .warc.gz and .wacz files; a file named explicitly is read whatever
           its name.
  status   HTTP statuses of response records to keep, comma separated (default "200", like the
           CDX spiders' statuscode:200 filter); "any" keeps every status. Redirects and error
           pages recorded by a crawler are not pages worth extracting.

Each HTML `response` or `resource` record (text/html or application/xhtml+xml) becomes a
`CaptureItem`, yielded straight from `start()`. A record whose WARC-Target-URI is a replay URL
(winnow's own WARCs, a crawl of an archive) takes its original URL, time and archive from that
URL; any other record is a capture of archive "warc", collection = the file's name without
.warc/.warc.gz (for a WACZ: its name without .wacz), time = WARC-Date.

The raw bytes are already kept in the source file, so `warc_file`/`warc_offset`/`warc_length`
point there. In a WACZ whose WARC member is stored uncompressed (the usual case) the pointer is
the .wacz file itself and the record's absolute offset in it, so a reader can seek straight to
the gzip member; a compressed member gives "<file.wacz>#<member>" and the offset inside it.

Other records (warcinfo, request, metadata, revisit, non-HTML, other statuses) are skipped and
counted in `winnow/warc_skipped_records` (with `winnow/warc_skipped_records/<reason>`). Records
whose capture key is already stored in WINNOW_DB are skipped when WINNOW_SKIP_STORED is on
(`winnow/captures_already_stored`). A missing, broken or truncated file gives an
`ErrorItem(stage="read")` after the records read before the damage; the next file follows.

The record-to-item code is `WarcRecordReader`, shared with the `archiveit` spider's WASAPI mode.
"""
from __future__ import annotations

import re
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

import scrapy

from crawler.items import HTML_MIMES, CaptureItem, ErrorItem
from crawler.stats import inc_stat
from extractors.urls import capture_key, timestamp_to_iso
from winnow.archive_index import (WARC_SUFFIXES, copy_member, read_warc, record_mime, sha1_base32,
                                  wacz_warc_members, warc_timestamp)
from winnow.inputs import capture_from_url

WACZ_SUFFIX = ".wacz"


class WarcRecordReader:
    """Record-to-item code shared by spiders that read WARC files (`warc`, and `archiveit` in
    WASAPI mode). The spider provides `name`, `archive` (the archive of plain records), `statuses`
    (frozenset of HTTP statuses to keep, or None for any), `stored_keys`, `_seen_keys` (a set),
    `logger` and `crawler`."""

    # --- reading -----------------------------------------------------------------------------

    def _read_records(self, path: Path, collection: str, pointer: str, label: str, base_offset: int = 0):
        """Items from one WARC file; an ErrorItem (and the end of this file) if it is broken."""
        entries = iter(read_warc(path))
        while True:
            try:
                entry = next(entries)
            except StopIteration:
                return
            except ValueError as exc:
                message = str(exc)
                if label != str(path):  # a WACZ member read from a temp file: name the member instead
                    message = f"cannot read {label}: {exc.__cause__ or exc}"
                self.logger.warning("%s", message)
                yield ErrorItem(url=label, stage="read", message=message, source=self.name)
                return
            self._inc("winnow/warc_records")
            item = self._item(entry, collection, pointer, base_offset)
            if item is not None:
                yield item

    def _read_wacz(self, path: Path):
        """Items from every archive/*.warc[.gz] member of a WACZ (a zip), in name order."""
        label = str(path)
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            message = f"cannot read WACZ file {path.name} ({path}): {exc}"
            self.logger.warning("%s", message)
            yield ErrorItem(url=label, stage="read", message=message, source=self.name)
            return
        with archive, tempfile.TemporaryDirectory(prefix="winnow-wacz-") as tmp:
            members = wacz_warc_members(archive)
            if not members:
                message = f"WACZ file {path.name} ({path}) holds no archive/*.warc or archive/*.warc.gz"
                self.logger.warning("%s", message)
                yield ErrorItem(url=label, stage="read", message=message, source=self.name)
                return
            for info in members:
                member_label = f"{path}#{info.filename}"
                try:
                    copy = copy_member(archive, info, Path(tmp))
                    base = _stored_member_offset(path, info)
                except (zipfile.BadZipFile, OSError, EOFError, zlib.error, ValueError) as exc:
                    message = f"cannot read {member_label}: {exc}"
                    self.logger.warning("%s", message)
                    yield ErrorItem(url=member_label, stage="read", message=message, source=self.name)
                    continue
                try:
                    pointer = str(path) if base is not None else member_label
                    yield from self._read_records(copy, collection=archive_stem(path), pointer=pointer,
                                                  label=member_label, base_offset=base or 0)
                finally:
                    copy.unlink(missing_ok=True)

    # --- one record --------------------------------------------------------------------------

    def _inc(self, key: str) -> None:
        inc_stat(self, key)

    def _skip(self, reason: str) -> None:
        self._inc("winnow/warc_skipped_records")
        self._inc(f"winnow/warc_skipped_records/{reason}")

    def _item(self, entry, collection: str, pointer: str, base_offset: int) -> CaptureItem | None:
        record = entry.record
        headers = record.rec_headers
        if record.rec_type not in ("response", "resource"):
            self._skip(record.rec_type or "unknown")  # warcinfo, request, metadata, revisit, ...
            return None
        http = record.http_headers if record.rec_type == "response" else None
        mime = record_mime(record)
        if mime not in HTML_MIMES:
            self._skip("not-html")
            return None
        status = _http_status(http) if record.rec_type == "response" else None
        if record.rec_type == "response" and status is None:
            self._skip("no-http-status")
            return None
        if self.statuses is not None and status is not None and status not in self.statuses:
            self._skip("status")
            return None
        target = (headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
        record_time = warc_timestamp(headers.get_header("WARC-Date"))
        if not target or not record_time:
            self._skip("no-target-or-date")
            return None
        if not entry.payload:
            self._skip("empty")
            return None

        replay = capture_from_url(target)
        if replay is not None and replay.timestamp:  # a replay URL: the capture it names
            original, timestamp, archive, coll = replay.original_url, replay.timestamp, replay.archive, replay.collection
        else:
            original, timestamp, archive, coll = target, record_time, self.archive, collection
        key = capture_key(archive, coll, timestamp, original)
        if key in self.stored_keys:
            self._inc("winnow/captures_already_stored")
            return None
        if key in self._seen_keys:  # the same capture twice in this run (a file given twice, a copy)
            self._skip("duplicate")
            return None
        self._seen_keys.add(key)

        digest = headers.get_header("WARC-Payload-Digest") or ""
        digest = digest[5:] if digest.lower().startswith("sha1:") else digest
        fetch_headers = list(http.headers) if http else [("Content-Type", headers.get_header("Content-Type") or "")]
        return CaptureItem(
            original_url=original,
            timestamp=timestamp,
            archive=archive,
            collection=coll,
            digest=digest or sha1_base32(entry.payload),
            status=status,
            mime=mime,
            fetched_url=target,
            body=entry.payload,
            fetch_status=status if status is not None else 200,
            fetch_headers=fetch_headers,
            fetched_at=timestamp_to_iso(record_time),
            warc_file=pointer,
            warc_offset=base_offset + entry.offset,
            warc_length=entry.length,
        )


class WarcSpider(WarcRecordReader, scrapy.Spider):
    name = "warc"
    archive = "warc"

    def __init__(self, path: str = "", status: str = "200", **kwargs):
        super().__init__(**kwargs)
        self.paths = [p.strip() for p in (path or "").split(",") if p.strip()]
        if not self.paths:
            raise ValueError(f"spider {self.name}: give at least one file or folder with -a path=...")
        self.statuses = _statuses(status)
        self.stored_keys: set[str] = set()
        self._seen_keys: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if settings.getbool("WINNOW_SKIP_STORED", True):
            from winnow.db import stored_capture_keys

            spider.stored_keys = stored_capture_keys(settings.get("WINNOW_DB"))
        return spider

    async def start(self):
        files, problems = find_archive_files(self.paths)
        for url, message in problems:
            self.logger.warning("%s: %s", url, message)
            yield ErrorItem(url=url, stage="read", message=message, source=self.name)
        for path in files:
            self._inc("winnow/warc_files")
            reader = self._read_wacz(path) if path.name.lower().endswith(WACZ_SUFFIX) else \
                self._read_records(path, collection=archive_stem(path), pointer=str(path), label=str(path))
            for item in reader:
                yield item

# --- helpers (file discovery, names, digests) ---------------------------------------------------

def find_archive_files(paths) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files to read, in order and without repeats, and (path, message) for each path that
    gives none. Folders are searched recursively for .warc, .warc.gz and .wacz, sorted by path."""
    files: list[Path] = []
    problems: list[tuple[str, str]] = []
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _is_archive_name(p.name))
            if not found:
                problems.append((given, f"no .warc, .warc.gz or .wacz files in folder {given}"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append((given, f"no such file or folder: {given}"))
    unique: dict[Path, None] = {}
    for path in files:
        unique.setdefault(path.resolve(), None)
    return list(unique), problems


def _is_archive_name(name: str) -> bool:
    return name.lower().endswith(WARC_SUFFIXES + (WACZ_SUFFIX,))


def archive_stem(path: Path) -> str:
    """'crawl-2015.warc.gz' -> 'crawl-2015'; 'site.wacz' -> 'site'."""
    name = path.name
    for suffix in (".warc.gz", ".warc", WACZ_SUFFIX):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _http_status(http) -> int | None:
    try:
        return int(http.get_statuscode()) if http else None
    except (TypeError, ValueError):
        return None


def _statuses(value: str | None) -> frozenset[int] | None:
    value = (value or "").strip().lower()
    if value in ("", "any", "all", "*"):
        return None
    try:
        return frozenset(int(v) for v in re.split(r"[\s,]+", value) if v)
    except ValueError:
        raise ValueError(f"-a status= takes HTTP status codes, comma separated, or 'any', not {value!r}") from None


def _stored_member_offset(path: Path, info: zipfile.ZipInfo) -> int | None:
    """Where the bytes of an uncompressed zip member start in the zip file (None if compressed):
    the local file header is 30 bytes, then the name and the extra field (whose length may differ
    from the central directory's)."""
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    with open(path, "rb") as handle:
        handle.seek(info.header_offset)
        header = handle.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise ValueError(f"bad local header for {info.filename}")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_length + extra_length
