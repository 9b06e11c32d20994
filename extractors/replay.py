"""Replay inserts out, their facts kept: Wayback toolbar and scripts, Archive-It banner, pywb insert.

`strip_replay(html_text)` reads the metadata the inserts carry (capture time, original URL, banner
sentence, collection) BEFORE dropping them, parses the page with lxml, removes the inserted elements,
and undoes link rewriting on href/src so later steps see the original links. Every removed piece is a
`Removal` with position -1 (markup removed before paragraphs exist).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree, html

from extractors.capture import Removal
from extractors.metadata import parse_banner, parse_file_archived
from extractors.urls import parse_replay_url, restore_scheme, timestamp_to_iso

# Comment-delimited blocks, removed on the text before parsing: (rule, kind, start, end)
_BLOCKS = [
    ("replay.wayback-toolbar", "replay-insert",
     re.compile(r"<!--\s*BEGIN WAYBACK TOOLBAR INSERT\s*-->.*?<!--\s*END WAYBACK TOOLBAR INSERT\s*-->", re.S | re.I)),
    ("replay.wayback-head-js", "replay-insert",
     re.compile(r"<!--\s*Start Wayback Rewrite JS Include\s*-->.*?<!--\s*End Wayback Rewrite JS Include\s*-->", re.S | re.I)),
    ("replay.pywb-insert", "replay-insert",
     re.compile(r"<!--\s*WB Insert\s*-->.*?<!--\s*End WB Insert\s*-->", re.S | re.I)),
    ("replay.file-archived-comment", "replay-insert",
     re.compile(r"<!--\s*FILE ARCHIVED ON.*?-->", re.S | re.I)),
    ("replay.playback-timings-comment", "replay-insert",
     re.compile(r"<!--\s*playback timings.*?-->", re.S | re.I)),
    ("replay.wayback-end-comment", "replay-insert",
     re.compile(r"<!--\s*End Wayback Rewrite JS Include\s*-->", re.I)),
]
_WBINFO = re.compile(r"wbinfo\.(?P<key>url|timestamp|coll|prefix|is_live|top_url)\s*=\s*(?P<q>[\"'])(?P<value>[^\"']*)(?P=q)")
_WOMBAT_INIT = re.compile(
    r"WB_wombat_Init\s*\(\s*[\"'](?P<prefix>[^\"']*)[\"']\s*,\s*[\"'](?P<ts>\d{4,14})[\"']\s*(?:,\s*[\"'](?P<host>[^\"']*)[\"'])?")
_WM_WOMBAT = re.compile(r"__wm\.wombat\s*\(\s*[\"'](?P<url>[^\"']+)[\"']\s*,\s*[\"'](?P<ts>\d{4,14})[\"']")
_TAGS = re.compile(r"<[^>]*>")

_INSERT_IDS = {
    "wm-ipp-base": ("replay-insert", "replay.wayback-toolbar"),
    "wm-ipp": ("replay-insert", "replay.wayback-toolbar"),
    "wm-ipp-print": ("banner", "replay.wayback-print"),
    "donato": ("replay-insert", "replay.wayback-donation"),
    "wm-disclaim": ("banner", "banner.archive-it-sentence"),
    "wm-media-curtain": ("ui-crumb", "replay.archive-it-media-curtain"),
    "wm-media-button": ("ui-crumb", "replay.archive-it-media-button"),
    "qaMissingUrlsDiv": ("ui-crumb", "replay.archive-it-qa"),
    "wm-disclaim-hide": ("ui-crumb", "replay.archive-it-hide"),
}
_INSERT_ID_PATH = etree.XPath("//*[" + " or ".join(f"@id='{i}'" for i in _INSERT_IDS) + "]")
_INSERT_SCRIPT_SRC = re.compile(
    r"/_static/|archive\.org/includes/|archive-it\.org/static/|^/static/js/(?:wb|wombat|disclaim|timestamp|graph)|"
    r"wombat(?:\.min)?\.js|/wb\.js|wb_frame|athena\.js|bundle-playback\.js|ruffle", re.I)
# Words (lowercase) only replay systems' inline scripts hold; substring checks beat a regex here.
_INSERT_SCRIPT_WORDS = ("wb_wombat_init", "__wm.", "wbinfo.", "_wb_wombat", "archive_analytics", "wm-ipp",
                        "wbinfo =", "wbinfo=", "_wbwombat", "wb_wombat_", "ruffleplayer")
_URL_ATTRIBUTES = ("href", "src", "action", "data-src", "poster", "content")
_ARCHIVE_HOSTS = re.compile(r"(?:^|\.)(?:web\.archive\.org|wayback\.archive-it\.org|archive\.org|archive-it\.org)$", re.I)


@dataclass
class ReplayInfo:
    archive: str | None = None
    original_url: str | None = None
    timestamp: str | None = None
    capture_time: str | None = None
    collection: str | None = None
    collection_name: str | None = None
    organisation: str | None = None
    canonical: str | None = None
    removals: list[Removal] = field(default_factory=list)

    def merge(self, facts: dict[str, str]) -> None:
        for key, value in facts.items():
            if value and hasattr(self, key) and getattr(self, key) is None:
                setattr(self, key, value)


def _visible(fragment: str) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", fragment, flags=re.S | re.I)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = " ".join(_TAGS.sub(" ", text).split())
    if not text:  # a comment or a script block: keep its own words, shortened, for the record
        text = " ".join(re.sub(r"<!--|-->", " ", fragment).split())[:500]
    return text


# Lowercase strings of which every replay insert holds at least one: a page without any of them
# is not a replay, and the slower checks are skipped.
_REPLAY_HINTS = ("wayback", "wm-ipp", "__wm.", "web.archive.org", "file archived on", "archive-it",
                 "wm-disclaim", "qamissingurlsdiv", "wb insert", "wbinfo", "wombat", "/_static/")


# Substrings (lowercase) that name each replay system's insert; Archive-It first (it is also a wayback).
_ARCHIVE_HINTS = {
    "archive-it": ("wm-disclaim", "using archive-it", "wayback.archive-it.org", "qamissingurlsdiv"),
    "wayback": ("begin wayback toolbar insert", "id=\"wm-ipp", "id='wm-ipp", "__wm.init", "__wm.wombat",
                "web.archive.org/web/", "web-static.archive.org", "and retrieved from the"),
    "pywb": ("wb insert", "wbinfo."),
}


def detect_archive(lowered: str) -> str | None:
    """"archive-it", "wayback" or "pywb" from the lowercased markup; Archive-It first (it is also a wayback)."""
    for name, hints in _ARCHIVE_HINTS.items():
        if any(hint in lowered for hint in hints):
            return name
    return None


def read_script_facts(text: str, info: ReplayInfo) -> None:
    """Capture facts from wbinfo, WB_wombat_Init and __wm.wombat."""
    wbinfo = {m["key"]: m["value"] for m in _WBINFO.finditer(text)}
    if wbinfo.get("url"):
        info.merge({"original_url": wbinfo["url"]})
    if wbinfo.get("timestamp", "").isdigit():
        info.merge({"timestamp": wbinfo["timestamp"]})
    if wbinfo.get("coll"):
        info.merge({"collection": wbinfo["coll"]})
    if match := _WM_WOMBAT.search(text):
        info.merge({"original_url": match["url"], "timestamp": match["ts"]})
    if match := _WOMBAT_INIT.search(text):
        info.merge({"timestamp": match["ts"]})
        prefix = parse_replay_url(match["prefix"].rstrip("/") + f"/{match['ts']}/http://x.org/")
        if prefix and prefix.collection:
            info.merge({"collection": prefix.collection})



def _remove_blocks(text: str, info: ReplayInfo) -> str:
    for rule, kind, pattern in _BLOCKS:
        def _drop(match: re.Match, rule=rule, kind=kind) -> str:
            info.removals.append(Removal(kind, rule, _visible(match.group(0)), -1))
            return ""
        text = pattern.sub(_drop, text)
    return text


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.I)


def parse_html(text: str):
    """lxml tree of a page, or None when there is nothing to parse."""
    text = _XML_DECLARATION.sub("", text)
    if not text.strip():
        return None
    try:
        parser = html.HTMLParser(recover=True, remove_comments=False, remove_pis=True)
        tree = html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError, TypeError):
        return None
    return tree


def _drop_element(element) -> None:
    """Remove an element but keep its tail text (which belongs to the page)."""
    parent = element.getparent()
    if parent is None:
        return
    element.drop_tree()


def _element_text(element) -> str:
    parts = []
    for node in element.iter():
        if node.tag in ("script", "style") or not isinstance(node.tag, str):
            if node is not element and node.tail:
                parts.append(node.tail)
            continue
        if node.text:
            parts.append(node.text)
        if node is not element and node.tail:
            parts.append(node.tail)
    return " ".join(" ".join(parts).split())


def _is_insert_script(body: str) -> bool:
    lowered = body.lower()
    return any(word in lowered for word in _INSERT_SCRIPT_WORDS)


def _remove_elements(tree, info: ReplayInfo) -> None:
    # elements by id (read the banner and print line first)
    # inner inserts first (reverse document order), so that each is recorded once, with its own text;
    # the record keeps document order
    found: list[Removal] = []
    for element in reversed(_INSERT_ID_PATH(tree)):
        element_id = element.get("id")
        if element.getparent() is not None:
            kind, rule = _INSERT_IDS[element_id]
            text = _element_text(element)
            if element_id == "wm-disclaim":
                info.merge(parse_banner(text))
                info.archive = info.archive or "archive-it"
            if element_id == "wm-ipp-print":
                match = re.search(r"https?://\S+", text)
                address = parse_replay_url(match.group(0)) if match else None
                if address:
                    info.merge({"original_url": address.original_url, "timestamp": address.timestamp})
            found.append(Removal(kind, rule, text, -1))
            _drop_element(element)
    info.removals.extend(reversed(found))
    # inserted scripts, styles, stylesheets
    for element in list(tree.iter("script", "link", "style", "wb_div", "noscript")):
        if element.getparent() is None:
            continue
        src = element.get("src") or (element.get("href") if element.tag == "link" else "") or ""
        body = (element.text or "")[:4000]  # inserts are short; a site's own big script need not be read
        if (src and _INSERT_SCRIPT_SRC.search(src)) or (
                element.tag in ("script", "style") and _is_insert_script(body)):
            info.removals.append(Removal("replay-insert", "replay.script", src or body[:200].strip(), -1))
            _drop_element(element)
        elif element.tag == "wb_div":
            text = _element_text(element)
            info.merge(parse_banner(text))
            info.removals.append(Removal("banner", "banner.archive-it-sentence", text, -1))
            _drop_element(element)
    # comments left by replay systems
    for comment in list(tree.iter(etree.Comment)):
        value = comment.text or ""
        if re.search(r"WAYBACK|WB Insert|FILE ARCHIVED ON|playback timings", value, re.I) and comment.getparent() is not None:
            info.removals.append(Removal("replay-insert", "replay.comment", " ".join(value.split()), -1))
            _drop_element(comment)


_REPLAY_SEGMENT = re.compile(r"/\d{4,14}(?:[a-z]{2}_)?/")
# [scheme://host] [/collection or /web] /timestamp[modifier]/ original: one regex instead of a full
# parse per link, since a replayed page has hundreds of them
_REWRITTEN = re.compile(
    r"^(?:(?P<scheme>https?:)?//(?P<host>[^/?#]+))?(?:/[^/?#]+)?/\d{4,14}(?:[a-z]{2}_)?/"
    r"(?P<original>(?:[a-z][a-z0-9+.-]*:/{0,2})?[^/?#\s]+\.[^/?#\s]*.*)$", re.I)


def unrewrite_url(value: str, replay: bool) -> str | None:
    """The original URL behind a rewritten link, or None when it is not rewritten."""
    value = value.strip()
    match = _REWRITTEN.match(value)
    if not match:
        return None
    host = match["host"]
    if host and not _ARCHIVE_HOSTS.search(host.split(":")[0]):
        return None
    if not host and not replay:
        return None
    return restore_scheme(match["original"])


_URL_ATTRIBUTE_PATH = etree.XPath("//@*[" + " or ".join(f"name()='{a}'" for a in _URL_ATTRIBUTES) + "]")


def unrewrite_links(tree, replay: bool) -> int:
    """Put the original URLs back into href, src, action, ... attributes; returns how many."""
    count = 0
    for value in _URL_ATTRIBUTE_PATH(tree):  # attribute values that know their element and name
        if not _REPLAY_SEGMENT.search(value):
            continue
        original = unrewrite_url(str(value), replay)
        if original:
            value.getparent().set(value.attrname, original)
            count += 1
    return count


def strip_replay(text: str, replay_hint: bool = False) -> tuple[object | None, ReplayInfo]:
    """(cleaned lxml tree or None, facts and removals)."""
    info = ReplayInfo()
    lowered = text.lower()  # once: every hint check below reads it
    replayed = any(hint in lowered for hint in _REPLAY_HINTS)
    if replayed:
        head, tail = text[:300000], text[-20000:]
        info.archive = detect_archive(lowered)
        read_script_facts(head, info)
        read_script_facts(tail, info)
        # the "FILE ARCHIVED ON" comment follows </html>
        if facts := parse_file_archived(tail):
            info.merge({"timestamp": facts["timestamp"]})
        text = _remove_blocks(text, info)
    tree = parse_html(text)
    if tree is None:
        return None, info
    if replayed:
        _remove_elements(tree, info)
    # no comment is page text, and trafilatura loses the text after a comment inside a paragraph
    etree.strip_tags(tree, etree.Comment)
    # never text, and the bulk of many pages: dropping them here makes every later tree walk cheaper
    # (JSON-LD stays: htmldate reads publication dates from it)
    etree.strip_elements(tree, "style", "noscript", "template", "svg", with_tail=False)
    for script in list(tree.iter("script")):
        if "ld+json" not in (script.get("type") or "") and script.getparent() is not None:
            script.drop_tree()
    if replayed or replay_hint:  # links to archive hosts are among the hints: nothing to undo otherwise
        unrewrite_links(tree, replay=replay_hint or info.archive is not None)
    for link in tree.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href"):
            info.canonical = link.get("href").strip()
            break
    if info.timestamp:
        info.capture_time = timestamp_to_iso(info.timestamp) or info.capture_time
    return tree, info
