"""CDX queries over an in-memory index, with the Wayback CDX server's parameters and answers."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import quote_plus, unquote_plus

from crawler.cdx import DEFAULT_FIELDS, FIELD_ALIASES
from extractors.urls import surt
from winnow.archive_index import CdxRecord

CDX_FIELDS = list(DEFAULT_FIELDS)
ALL_FIELDS = CDX_FIELDS + ["offset", "filename"]
PYWB_NAMES = {v: k for k, v in FIELD_ALIASES.items()}  # also the CdxRecord attribute names
DEFAULT_PAGE_SIZE = 50  # rows per page (the real server counts index blocks; rows are easier to test)


class CdxQueryError(ValueError):
    """A bad CDX parameter: answered with 400."""


@dataclass
class CdxResult:
    rows: list[CdxRecord]
    fields: list[str]  # canonical CDX names, in output order
    resume_key: str | None = None
    num_pages: int | None = None  # set for showNumPages=true


def field_value(record: CdxRecord, name: str) -> str:
    return str(getattr(record, PYWB_NAMES.get(name, name)))


def _field_name(name: str) -> str:
    name = FIELD_ALIASES.get(name, name)
    if name not in ALL_FIELDS:
        raise CdxQueryError(f"unknown field: {name}")
    return name


def sort_key(record: CdxRecord) -> tuple:
    return (record.urlkey, record.timestamp, record.filename, record.offset)


def _resume_key(record: CdxRecord) -> str:
    # urlencoded like the Wayback CDX server's keys; file+offset break ties between equal captures
    return quote_plus(f"{record.urlkey} {record.timestamp} {record.filename} {record.offset}")


def _parse_resume_key(key: str) -> tuple:
    if " " not in key:  # a client may have encoded the (already encoded) key once more
        key = unquote_plus(key)
    parts = key.split(" ")
    if len(parts) == 2:
        parts += ["", "-1"]
    if len(parts) != 4 or not parts[3].lstrip("-").isdigit():
        raise CdxQueryError("bad resumeKey")
    return (parts[0], parts[1], parts[2], int(parts[3]))


def _int(params: dict, name: str, default: int | None) -> int | None:
    text = (params.get(name) or [None])[-1]
    if text in (None, ""):
        return default
    try:
        return int(text)
    except ValueError:
        raise CdxQueryError(f"{name} must be an integer") from None


def _timestamp_bound(text: str | None, name: str, pad: str) -> str | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 14:
        raise CdxQueryError(f"{name} must be 1 to 14 digits")
    return (text + pad * 14)[:14]


def query_cdx(records: list[CdxRecord], params: dict[str, list[str]]) -> CdxResult:
    """Answer a CDX query over records sorted by sort_key (params as parse_qs gives them).

    Same semantics as the Wayback CDX server: url/matchType, from/to, filter, collapse,
    fl, limit, showResumeKey/resumeKey, page/pageSize/showNumPages.
    """
    def one(name, default=None):
        return (params.get(name) or [default])[-1]

    url = one("url")
    if not url:
        raise CdxQueryError("missing url parameter")
    match_type = one("matchType")
    if url.endswith("*"):
        url, match_type = url[:-1], match_type or "prefix"
    if url.startswith("*."):
        url, match_type = url[2:], match_type or "domain"
    match_type = match_type or "exact"
    key = surt(url)
    host = key.split(")", 1)[0]
    matchers = {
        "exact": lambda k: k == key,
        "prefix": lambda k: k.startswith(key),
        "host": lambda k: k.split(")", 1)[0] == host,
        "domain": lambda k: (h := k.split(")", 1)[0]) == host or h.startswith(host + ","),
    }
    if match_type not in matchers:
        raise CdxQueryError(f"matchType must be one of {', '.join(matchers)}")
    matches = matchers[match_type]
    low = _timestamp_bound(one("from"), "from", "0")
    high = _timestamp_bound(one("to"), "to", "9")  # "to=2015" includes all of 2015

    filters = []
    for spec in params.get("filter", []):
        negate = spec.startswith("!")
        name, sep, pattern = spec.lstrip("!").partition(":")
        if not sep:
            raise CdxQueryError(f"filter must be [!]field:regex, got {spec!r}")
        try:
            filters.append((_field_name(name), re.compile(pattern), negate))
        except re.error as exc:
            raise CdxQueryError(f"bad filter regex {pattern!r}: {exc}") from None

    rows = [r for r in records
            if matches(r.urlkey) and (low is None or r.timestamp >= low) and (high is None or r.timestamp <= high)
            and all(bool(rx.fullmatch(field_value(r, name))) != negate for name, rx, negate in filters)]

    collapse = one("collapse")
    if collapse:
        name, _, width = collapse.partition(":")
        name = _field_name(name)
        if width and not width.isdigit():
            raise CdxQueryError("collapse must be field or field:N")
        size = int(width) if width else None
        kept, last = [], object()
        for r in rows:
            value = field_value(r, name)[:size]
            # compare within one URL only (collapse=digest: "unchanged since the previous capture")
            mark = value if name == "urlkey" else (r.urlkey, value)
            if mark != last:
                kept.append(r)
                last = mark
        rows = kept

    fields = [_field_name(f) for f in one("fl").split(",")] if one("fl") else None
    if one("output", "") not in ("", "json", "text"):
        raise CdxQueryError("output must be json or text")

    resume = one("resumeKey")
    if resume:
        after = _parse_resume_key(resume)
        rows = [r for r in rows if sort_key(r) > after]

    page_size = _int(params, "pageSize", DEFAULT_PAGE_SIZE)
    if page_size is None or page_size < 1:
        raise CdxQueryError("pageSize must be positive")
    if one("showNumPages") == "true":
        return CdxResult([], fields or [], num_pages=math.ceil(len(rows) / page_size))
    page = _int(params, "page", None)
    if page is not None:
        if page < 0:
            raise CdxQueryError("page must be >= 0")
        rows = rows[page * page_size:(page + 1) * page_size]

    limit = _int(params, "limit", None)
    resume_key = None
    if limit is not None:
        more = len(rows) > abs(limit)
        rows = rows[:limit] if limit >= 0 else rows[limit:]  # negative: the last N, as Wayback
        if more and limit > 0 and rows and one("showResumeKey") == "true":
            resume_key = _resume_key(rows[-1])
    return CdxResult(rows, fields or [], resume_key=resume_key)
