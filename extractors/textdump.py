"""Plain-text dumps (a browser copy, `get_text()` of a replayed page) -> paragraphs and facts.

One paragraph per non-empty line, stripped; list bullets ("•", "1.", "(1)") are kept as written,
since they are part of the dump's text.
"""
from __future__ import annotations

import re

from extractors.decode import clean_text
from extractors.metadata import BANNER_START, parse_banner
from extractors.urls import parse_replay_url

_WAYBACK_PRINT_URL = re.compile(r"the\s+wayback\s+machine\s*[-–—]\s*(https?://\S+)", re.I)


def split_paragraphs(text: str) -> list[str]:
    text = clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    # lines of only no-break or other unicode spaces are kept (the cleaning records them as crumbs);
    # lines of only ASCII spaces/tabs are layout and vanish
    return [line.strip(" \t") for line in text.split("\n") if line.strip(" \t")]


def dump_facts(paragraphs: list[str]) -> dict[str, str]:
    """Archive, capture time, organisation, collection name, original URL from banner lines."""
    facts: dict[str, str] = {}
    for paragraph in paragraphs[:60] + paragraphs[-10:]:
        if BANNER_START.search(paragraph):
            found = parse_banner(paragraph)
            for key, value in found.items():
                facts.setdefault(key, value)
            facts.setdefault("archive", "archive-it")
        match = _WAYBACK_PRINT_URL.search(paragraph)
        if match:
            address = parse_replay_url(match.group(1).rstrip(".,;"))
            facts.setdefault("archive", "wayback")
            if address:
                facts.setdefault("original_url", address.original_url)
                facts.setdefault("timestamp", address.timestamp)
    return facts
