"""Pages that are not content: archived redirects, archived error pages, soft 404s, cookie walls.

Archives keep what the crawler got: a capture can be a redirect ("Got an HTTP 302 response at
crawl time"), a 429 or 5xx page the site answered the archive's crawler, or a "page not found"
served with status 200. Such a capture is flagged, never taken for a document.
"""
from __future__ import annotations

import re

# Flags of captures that are not pages at all: stored as captures, never as documents.
NON_PAGE_FLAGS = ("archived-redirect", "archived-error", "soft-404")
# Flags of pages that are content-poor but real pages: stored with their flag, left out of exports.
CONTENT_FLAGS = ("cookie-wall", "mostly-placeholder")

SHORT_PAGE_WORDS = 150  # error and not-found pages are short; a long page mentioning "404" is content

_REDIRECT = re.compile(r"\bgot an http 30[1-8] response at crawl time\b", re.I)
_ERROR = re.compile(
    r"^\W*(?:(?:http\s*)?(?:error\s*)?(?:429|5\d\d)\b|too many requests|service (?:temporarily )?unavailable|"
    r"bad gateway|gateway time-?out|internal server error|(?:403\s*)?forbidden|access denied|"
    r"rate limit(?:ed| exceeded))", re.I)
_NOT_FOUND = re.compile(
    r"(?:^\W*(?:error\s*)?404\b|\bpage (?:was )?not found\b|\bpage (?:you requested )?(?:can ?not|could not|couldn't) be found\b|"
    r"\b(?:page|file) (?:does not|doesn't) exist\b|\bnot found\b.{0,40}\bserver\b|\bpage introuvable\b|"
    r"\bp[áa]gina no encontrada\b|\bpagina non trovata\b|\bseite nicht gefunden\b|\bстраница не найдена\b|"
    r"\b页面不存在\b|找不到页面)", re.I)
_COOKIE = re.compile(r"\bcookies?\b", re.I)
_CONSENT = re.compile(r"\b(?:accept|consent|agree|allow|reject|decline|preferences)\b", re.I)


def page_flags(title: str | None, paragraphs: list[str], archived_status: int | None = None) -> list[str]:
    """Flags for a page that is not (or hardly) content; empty for an ordinary page."""
    text = " ".join(paragraphs)
    words = len(text.split())
    head = [title or ""] + paragraphs[:3]
    if (archived_status and 300 <= archived_status < 400) or _REDIRECT.search(text[:2000]):
        return ["archived-redirect"]
    if archived_status and archived_status >= 400:
        return ["soft-404" if archived_status in (404, 410) else "archived-error"]
    if words < SHORT_PAGE_WORDS:
        if any(_ERROR.search(line) for line in head if line):
            return ["archived-error"]
        if any(_NOT_FOUND.search(line) for line in head if line):
            return ["soft-404"]
        if words and len(_COOKIE.findall(text)) >= 2 and _CONSENT.search(text):
            return ["cookie-wall"]
    return []
