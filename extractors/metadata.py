"""Facts read off a page: the Archive-It banner sentence, replay scripts, dates, language, event fields."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timezone

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}

# "You are viewing an archived web page, collected at the request of <ORG> using Archive-It. This page
# was captured on 14:45:00 Dec 14, 2015, and is part of the <NAME> collection. ..."
BANNER_START = re.compile(r"you\s+are\s+viewing\s+an\s+archived\s+web\s*page", re.I)
_BANNER_ORG = re.compile(r"collected\s+at\s+the\s+request\s+of\s+(?P<org>.+?)\s+using\s+archive[\s-]?it\b", re.I | re.S)
_BANNER_TIME = re.compile(
    r"captured\s+on\s+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*,?\s*"
    r"(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})\s*,?\s*(?P<y>\d{4})", re.I)
_BANNER_COLLECTION = re.compile(r"is\s+part\s+of\s+the\s+(?P<name>.+?)\s+collection\b", re.I | re.S)
# "FILE ARCHIVED ON 14:45:00 Dec 14, 2015 AND RETRIEVED FROM THE INTERNET ARCHIVE ON ..."
_FILE_ARCHIVED = re.compile(
    r"FILE\s+ARCHIVED\s+ON\s+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s+"
    r"(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})", re.I)

_MONTH_NAMES = {m.lower() for m in (
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august "
    "september october november december").split()}

_EVENT_FIELD = re.compile(
    r"^(?:[•·\-*–]\s*)?(?P<key>date|dates|where|when|venue|location|time)\s*:\s*(?P<value>\S.{0,198}?)\s*$", re.I)


def _moment(match: re.Match) -> datetime | None:
    month = _MONTHS.get(match["mon"][:3].lower())
    if not month:
        return None
    try:
        return datetime(int(match["y"]), month, int(match["d"]), int(match["h"]), int(match["mi"]),
                        int(match["s"] or 0), tzinfo=timezone.utc)
    except ValueError:
        return None


def parse_banner(text: str) -> dict[str, str]:
    """Organisation, capture time (ISO and 14-digit) and collection name from an Archive-It banner.

    Tolerant of spacing, a missing comma, and organisation-level banners without a collection clause.
    Returns only the fields found.
    """
    found: dict[str, str] = {}
    if not text:
        return found
    text = re.sub(r"\s+", " ", text)
    if match := _BANNER_ORG.search(text):
        found["organisation"] = match["org"].strip(" ,.")
    if match := _BANNER_TIME.search(text):
        moment = _moment(match)
        if moment:
            found["capture_time"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            found["timestamp"] = moment.strftime("%Y%m%d%H%M%S")
    if match := _BANNER_COLLECTION.search(text):
        name = match["name"].strip(" ,.")
        if len(name) <= 200:
            found["collection_name"] = name
    return found


def parse_file_archived(text: str) -> dict[str, str]:
    """Capture time from the Wayback "FILE ARCHIVED ON <time> AND RETRIEVED ..." comment."""
    match = _FILE_ARCHIVED.search(text or "")
    moment = _moment(match) if match else None
    if not moment:
        return {}
    return {"capture_time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "timestamp": moment.strftime("%Y%m%d%H%M%S")}


def event_fields(paragraphs: list[str]) -> dict[str, str]:
    """{"date": "17 November 2020", "where": "..."} from "Date: ..." / "Where: ..." lines (first wins)."""
    fields: dict[str, str] = {}
    for paragraph in paragraphs:
        match = _EVENT_FIELD.match(paragraph.strip())
        if match:
            key = match["key"].lower()
            key = "date" if key == "dates" else key
            fields.setdefault(key, match["value"].strip())
    return fields


# --- language -------------------------------------------------------------------------------------
_IDENTIFIER = None
_IDENTIFIER_LOCK = threading.Lock()


def _identifier():
    global _IDENTIFIER
    if _IDENTIFIER is None:
        with _IDENTIFIER_LOCK:
            if _IDENTIFIER is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                # py3langid < 0.4 names the loader from_pickled_model, 0.4 from_model_file
                load = getattr(LanguageIdentifier, "from_pickled_model", None) or LanguageIdentifier.from_model_file
                _IDENTIFIER = load(MODEL_FILE, norm_probs=True)
    return _IDENTIFIER


def detect_language(text: str) -> tuple[str | None, float | None]:
    """(ISO 639-1 code, probability 0..1) or (None, None) when the text has too few letters."""
    sample = (text or "")[:2000]  # enough for a confident guess; classify time grows with length
    if sum(ch.isalpha() for ch in sample[:2000]) < 20:
        return None, None
    language, score = _identifier().classify(sample)
    if not language or language == "und":
        return None, None
    return str(language), round(max(0.0, min(1.0, float(score))), 4)


# --- publication date -----------------------------------------------------------------------------
_VISIBLE_DATES = [
    (re.compile(r"\b(?P<d>\d{1,2})-(?P<mon>[A-Za-z]{3,9})-(?P<y>\d{4})\b"), "dmy"),  # 23-Apr-2018
    (re.compile(r"\b(?P<y>(?:19|20)\d{2})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})\b"), "ymd"),  # 2024.06.07
    (re.compile(r"\b(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})-(?P<d>\d{2})\b"), "ymd"),
    # a line that is only a date: "23 April 2018", "April 23, 2018"
    (re.compile(r"^(?:[A-Za-z]+,?\s+)?(?P<d>\d{1,2})\s+(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<y>\d{4})$"), "dmy"),
    (re.compile(r"^(?:[A-Za-z]+,?\s+)?(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})$"), "dmy"),
]


def fallback_date(paragraphs: list[str], max_date: str | None = None) -> str | None:
    """The first visible '23-Apr-2018' / '2024.06.07' / '2018-04-23' date on a short line."""
    for paragraph in paragraphs:
        if len(paragraph) > 80:
            continue
        for pattern, order in _VISIBLE_DATES:
            match = pattern.search(paragraph)
            if not match:
                continue
            month = _MONTHS.get(match["mon"][:3].lower()) if order == "dmy" else int(match["m"])
            if order == "dmy" and match["mon"].lower() not in _MONTH_NAMES:
                continue
            try:
                value = datetime(int(match["y"]), month or 0, int(match["d"])).strftime("%Y-%m-%d")
            except (ValueError, TypeError):
                continue
            if max_date and value > max_date:
                continue
            return value
    return None


def find_published(tree=None, paragraphs: list[str] | None = None, capture_time: str | None = None,
                   url: str | None = None) -> str | None:
    """Publication date, never after the capture: htmldate's quick search (meta tags, <time>, URL),
    else a visible date on a short line.

    htmldate's extensive search is left out: it hands page text to dateparser, which cost 150 ms a
    page on the benchmark, ten times the rest of the extraction.
    """
    max_date = capture_time[:10] if capture_time else None
    paragraphs = paragraphs or []
    if tree is not None:
        try:
            from htmldate import find_date

            kwargs = {"extensive_search": False, "original_date": True}
            if max_date:
                kwargs["max_date"] = max_date
            if url:
                kwargs["url"] = url
            found = find_date(tree, **kwargs)  # the last reader of the tree: no copy needed
            if found:
                return found
        except Exception:  # noqa: BLE001 - a date is a bonus, never a failure
            pass
    return fallback_date(paragraphs, max_date)
