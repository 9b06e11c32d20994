"""CDX server queries and answers (Wayback Machine, Archive-It, pywb speak the same language).

Answers come in three shapes: a JSON list of lists with a header row (Internet Archive),
JSON lines with one object per row (pywb), and plain space-separated text. A paged answer
ends with an empty row and a resume key.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

# Field order of the plain-text answer and of `fl` when none is asked for.
DEFAULT_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
# pywb names three fields differently
FIELD_ALIASES = {"url": "original", "mime": "mimetype", "status": "statuscode"}


@dataclass(frozen=True)
class CdxRow:
    urlkey: str
    timestamp: str
    original: str
    mimetype: str
    statuscode: int | None
    digest: str
    length: int | None


@dataclass
class CdxPage:
    rows: list[CdxRow] = field(default_factory=list)
    resume_key: str | None = None
    malformed: int = 0  # lines that could not be read; skipped, counted


def query_params(
    url: str,
    match_type: str = "prefix",
    from_: str | None = None,
    to: str | None = None,
    filters: tuple[str, ...] = ("statuscode:200", "mimetype:text/html"),
    collapse: str | None = "digest",
    limit: int | None = None,
    resume_key: str | None = None,
) -> str:
    params: list[tuple[str, str]] = [("url", url), ("matchType", match_type), ("output", "json")]
    params += [("fl", ",".join(DEFAULT_FIELDS))]
    if from_:
        params.append(("from", from_))
    if to:
        params.append(("to", to))
    params += [("filter", f) for f in filters]
    if collapse:
        params.append(("collapse", collapse))
    if limit:
        params += [("limit", str(limit)), ("showResumeKey", "true")]
    if resume_key:
        params.append(("resumeKey", resume_key))
    return urlencode(params)


def parse_cdx(body: str) -> CdxPage:
    """Read a CDX answer in any of its three shapes."""
    text = body.strip()
    if not text:
        return CdxPage()
    if text.startswith("["):
        try:
            return _from_json_table(json.loads(text))
        except (ValueError, TypeError):
            pass  # not one JSON document: maybe JSON lines that start with a list
    if text.startswith("{") or text.startswith("["):
        return _from_json_lines(text.splitlines())
    return _from_text(text.splitlines())


def _from_json_table(table: list) -> CdxPage:
    page = CdxPage()
    if not table:
        return page
    header = [FIELD_ALIASES.get(name, name) for name in table[0]] if isinstance(table[0], list) else None
    if header is None or "original" not in header:
        header, body = list(DEFAULT_FIELDS), table
    else:
        body = table[1:]
    for position, row in enumerate(body):
        if row == [] or row is None:
            rest = body[position + 1 :]
            if rest and isinstance(rest[0], list) and rest[0]:
                page.resume_key = str(rest[0][0])
            break
        _add(page, dict(zip(header, row)) if isinstance(row, list) and len(row) == len(header) else None)
    return page


def _from_json_lines(lines: list[str]) -> CdxPage:
    page = CdxPage()
    for position, line in enumerate(lines):
        line = line.strip()
        if not line:
            rest = [x.strip() for x in lines[position + 1 :] if x.strip()]
            if rest:
                page.resume_key = _resume_key(rest[0])
            break
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict):
            record = {FIELD_ALIASES.get(k, k): v for k, v in record.items()}
        else:
            record = None
        _add(page, record)
    return page


def _from_text(lines: list[str]) -> CdxPage:
    page = CdxPage()
    for position, line in enumerate(lines):
        if not line.strip():
            rest = [x.strip() for x in lines[position + 1 :] if x.strip()]
            if rest:
                page.resume_key = rest[0]
            break
        parts = line.split()
        _add(page, dict(zip(DEFAULT_FIELDS, parts)) if len(parts) >= 5 else None)
    return page


def _resume_key(line: str) -> str:
    try:
        value = json.loads(line)
    except ValueError:
        return line
    if isinstance(value, list) and value:
        return str(value[0])
    if isinstance(value, dict):
        return str(value.get("resumeKey") or value.get("resume_key") or "")
    return str(value)


def _add(page: CdxPage, record: dict | None) -> None:
    row = _row(record) if record else None
    if row is None:
        page.malformed += 1
    else:
        page.rows.append(row)


def _row(record: dict) -> CdxRow | None:
    timestamp = str(record.get("timestamp") or "")
    original = str(record.get("original") or "")
    if not (timestamp.isdigit() and 4 <= len(timestamp) <= 14 and original):
        return None
    return CdxRow(
        urlkey=str(record.get("urlkey") or ""),
        timestamp=timestamp,
        original=original,
        mimetype=str(record.get("mimetype") or ""),
        statuscode=_int(record.get("statuscode")),
        digest=str(record.get("digest") or ""),
        length=_int(record.get("length")),
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
