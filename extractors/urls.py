"""Addresses of archived captures: replay URLs, SURT keys, capture keys and 14-digit times."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

# Replay paths: /web/20151214144500id_/http://example.org/ (Wayback),
# /3181/20151214144500/http://example.org/ (Archive-It), /coll/2015mp_/... (pywb).
_TIMESTAMP_SEGMENT = re.compile(r"^(?P<timestamp>\d{4,14})(?P<modifier>[a-z]{2}_)?$")
_URL_START = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|[^/]+\.[a-z0-9-]+(?::\d+)?$)", re.I)
# A proxy or a copy may squash "http://" to "http:/"
_SQUASHED_SCHEME = re.compile(r"^(https?:)/(?!/)", re.I)
_HAS_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


@dataclass(frozen=True)
class ReplayAddress:
    """The parts of a replay URL such as https://wayback.archive-it.org/3181/20151214144500/http://x/."""

    archive_root: str  # scheme://host[/collection]/ before the timestamp
    collection: str | None
    timestamp: str  # as written, 4 to 14 digits
    modifier: str  # "", "id_", "mp_", "im_", ...
    original_url: str


def parse_replay_url(url: str) -> ReplayAddress | None:
    """Split a replay URL into archive root, collection, timestamp, modifier and original URL.

    Returns None when the URL is not a replay URL.
    """
    parts = urlsplit(url)
    segments = parts.path.split("/")
    for index, segment in enumerate(segments[1:-1], start=1):
        match = _TIMESTAMP_SEGMENT.match(segment)
        if not match or not _URL_START.match(segments[index + 1]):
            continue
        original = restore_scheme("/".join(segments[index + 1 :]) + (f"?{parts.query}" if parts.query else ""))
        before = [s for s in segments[1:index] if s]
        collection = before[-1] if before and before[-1] != "web" else None
        return ReplayAddress(
            archive_root=urlunsplit((parts.scheme, parts.netloc, "/".join(segments[:index]) + "/", "", "")),
            collection=collection,
            timestamp=match["timestamp"],
            modifier=match["modifier"] or "",
            original_url=original,
        )
    return None


def restore_scheme(original: str) -> str:
    """The original URL as a replay path holds it, made whole: "http:/a.org" (squashed by a proxy
    or a copy) -> "http://a.org", "a.org/x" (no scheme) -> "http://a.org/x"."""
    original = _SQUASHED_SCHEME.sub(r"\1//", original)
    return original if _HAS_SCHEME.match(original) else "http://" + original


def replay_url(archive_root: str, timestamp: str, original_url: str, modifier: str = "") -> str:
    """Build a replay URL: archive_root ends with "/web/" or "/<collection>/"."""
    return f"{archive_root.rstrip('/')}/{timestamp}{modifier}/{original_url}"


def canonical_url(url: str) -> str:
    """The URL in a canonical form: scheme and host lowercased, default port and fragment dropped,
    query arguments sorted, percent-encoding normalised (w3lib, as Scrapy's fingerprints use)."""
    from w3lib.url import canonicalize_url

    try:
        url = canonicalize_url(url.strip())
        parts = urlsplit(url)
        if parts.port and parts.port == {"http": 80, "https": 443}.get(parts.scheme):
            url = urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0]))
    except ValueError:
        return url.strip()
    return url


def surt(url: str) -> str:
    """Sort-friendly URI Reordering Transform, the key CDX indexes sort and match on.

    http://www.Example.org:80/a?b=1 -> org,example)/a?b=1
    """
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().strip(".")
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    key = ",".join(reversed(host.split("."))) if host else ""
    if port and port != default_port:
        key += f":{port}"
    path = parts.path or "/"
    query = "&".join(sorted(parts.query.split("&"))) if parts.query else ""
    return f"{key}){path.lower()}" + (f"?{query.lower()}" if query else "")


def timestamp_to_iso(timestamp: str | None) -> str | None:
    """'20151214144500' -> '2015-12-14T14:45:00Z'; shorter timestamps are padded as archives do."""
    if not timestamp or not timestamp.isdigit() or len(timestamp) < 4:
        return None
    padded = (timestamp + "0101000000"[len(timestamp) - 4 :])[:14] if len(timestamp) < 14 else timestamp[:14]
    try:
        moment = datetime.strptime(padded, "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def capture_key(archive: str | None, collection: str | None, timestamp: str | None, url: str | None) -> str | None:
    """A stable, readable identity for one capture: archive/collection/timestamp/surt."""
    if not url or not timestamp:
        return None
    return f"{archive or 'unknown'}/{collection or '-'}/{timestamp}/{surt(url)}"


def archive_of(url: str | None) -> str | None:
    """Name the archive a replay URL belongs to: "wayback", "archive-it", "pywb" or None."""
    if not url:
        return None
    address = parse_replay_url(url)
    if address is None:
        return None
    host = urlsplit(url).hostname or ""
    if host.endswith("archive-it.org"):
        return "archive-it"
    if host.endswith("archive.org") or address.collection is None:
        return "wayback"  # /web/<ts>/... is the Wayback Machine's path layout
    if address.collection.isdigit():
        return "archive-it"  # Archive-It collections are numbered
    return "pywb"
