"""The loopback archive: a small replay server on 127.0.0.1 that serves WARC files the
way the Wayback Machine and Archive-It do, for the offline demo and the tests.

    with LoopbackArchive("data/archive") as archive:
        archive.url  # "http://127.0.0.1:PORT"

    python -m winnow.loopback data/archive [--port 8080] [--verbose]

archive_dir/collections.json says what to serve:
  {"wayback": {"warcs": [...], "index": "wayback.cdxj"},
   "archive-it": {"3181": {"name", "organisation", "organisation_url", "warcs", "index"}}}
Endpoints:
  GET /cdx/search/cdx?url=...            Wayback CDX API (output=json: list of lists + header row)
  GET /web/<ts>[mod_]/<url>              Wayback replay (toolbar, rewritten links; id_ = raw bytes)
  GET /<coll>/timemap/cdx?url=...        Archive-It CDX API (output=json: JSON lines, as pywb)
  GET /<coll>/<ts>[mod_]/<url>           Archive-It replay (banner, rewritten links; id_ = raw)
  GET /web/*/<url>, /<coll>/*/<url>      list of captures ("All versions")
The inserted markup copies what the real archives inject (see NOTES.md, "What replay
systems inject"), so the code that strips archive chrome is tested against the real shapes.
Only stdlib + warcio: the point is a faithful, dependency-free fixture, not a full pywb.
"""
from __future__ import annotations

import argparse
import codecs
import html
import json
import math
import re
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote_plus, unquote_plus, urljoin, urlsplit

from warcio.archiveiterator import ArchiveIterator

from extractors.urls import parse_replay_url, replay_url, surt, timestamp_to_iso
from winnow.archive_index import CdxRecord, index_warcs, read_cdxj

__all__ = ["LoopbackArchive", "Collection", "CdxQueryError", "CdxResult", "query_cdx", "load_collections",
           "rewrite_html", "append_after_html", "main"]

# ---------------------------------------------------------------------------------------------
# CDX queries

CDX_FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
_ALL_FIELDS = CDX_FIELDS + ["offset", "filename"]
_ALIASES = {"url": "original", "mime": "mimetype", "status": "statuscode"}  # pywb's names
_PYWB_NAMES = {v: k for k, v in _ALIASES.items()}  # also the CdxRecord attribute names
DEFAULT_PAGE_SIZE = 50  # rows per page (the real server counts index blocks; rows are easier to test)


class CdxQueryError(ValueError):
    """A bad CDX parameter: answered with 400."""


@dataclass
class CdxResult:
    rows: list[CdxRecord]
    fields: list[str]  # canonical CDX names, in output order
    resume_key: str | None = None
    num_pages: int | None = None  # set for showNumPages=true


def _value(record: CdxRecord, name: str) -> str:
    return str(getattr(record, _PYWB_NAMES.get(name, name)))


def _field_name(name: str) -> str:
    name = _ALIASES.get(name, name)
    if name not in _ALL_FIELDS:
        raise CdxQueryError(f"unknown field: {name}")
    return name


def _sort_key(record: CdxRecord) -> tuple:
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
    """Answer a CDX query over records sorted by _sort_key (params as parse_qs gives them).

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
            and all(bool(rx.fullmatch(_value(r, name))) != negate for name, rx, negate in filters)]

    collapse = one("collapse")
    if collapse:
        name, _, width = collapse.partition(":")
        name = _field_name(name)
        if width and not width.isdigit():
            raise CdxQueryError("collapse must be field or field:N")
        size = int(width) if width else None
        kept, last = [], object()
        for r in rows:
            value = _value(r, name)[:size]
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
        rows = [r for r in rows if _sort_key(r) > after]

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


# ---------------------------------------------------------------------------------------------
# The archive on disk


@dataclass
class Collection:
    """One replay prefix: "web" (Wayback) or an Archive-It collection id."""

    kind: str  # "wayback" | "archive-it"
    name: str  # "web" or "3181"
    meta: dict
    records: list[CdxRecord]
    warcs: dict[str, Path]  # basename -> path
    by_key: dict[str, list[CdxRecord]] = field(default_factory=dict)

    def __post_init__(self):
        self.records.sort(key=_sort_key)
        for record in self.records:
            self.by_key.setdefault(record.urlkey, []).append(record)


def load_collections(archive_dir: str | Path) -> dict[str, Collection]:
    """Read collections.json; index WARCs in memory when an index file is missing.

    Raises ValueError (naming the file) for a broken WARC, so a bad archive fails at start, not mid-test.
    """
    archive_dir = Path(archive_dir)
    config = json.loads((archive_dir / "collections.json").read_text(encoding="utf-8"))
    entries = [("wayback", "web", config["wayback"])] if config.get("wayback") else []
    entries += [("archive-it", str(cid), meta) for cid, meta in (config.get("archive-it") or {}).items()]
    collections = {}
    for kind, name, meta in entries:
        warcs = {Path(w).name: archive_dir / w for w in meta.get("warcs", [])}
        index = archive_dir / meta["index"] if meta.get("index") else None
        records = read_cdxj(index) if index and index.exists() else index_warcs(warcs.values())
        collections[name] = Collection(kind, name, meta, records, warcs)
    return collections


@dataclass
class Capture:
    status: int
    headers: list[tuple[str, str]]
    body: bytes  # payload with transfer and content encodings undone


def load_capture(collection: Collection, record: CdxRecord) -> Capture:
    """Read one record by offset (no scan of the WARC)."""
    with open(collection.warcs[record.filename], "rb") as stream:
        stream.seek(record.offset)
        warc_record = next(iter(ArchiveIterator(stream)))
        http = warc_record.http_headers
        return Capture(int(http.get_statuscode() or 200), list(http.headers), warc_record.content_stream().read())


# ---------------------------------------------------------------------------------------------
# HTML rewriting

# Comments, whole script/style elements (their text is not HTML), and start tags
_TOKEN = re.compile(r"<!--.*?-->|<(script|style)\b[^>]*>.*?</\1\s*>|<[a-zA-Z][^>]*>", re.S | re.I)
_ATTR = re.compile(r"""(?P<pre>\s)(?P<name>[^\s"'>/=]+)(?P<eq>\s*=\s*)(?P<value>"[^"]*"|'[^']*'|[^\s"'>]+)""")
_TAG_NAME = re.compile(r"<([a-zA-Z][\w:-]*)")
_SKIP_URL = re.compile(r"^(?:#|(?:mailto|javascript|data|tel|about|blob):)", re.I)
_META_CHARSET = re.compile(r"""(<meta\b[^>]*?charset\s*=\s*["']?)([\w.:-]+)""", re.I)


def _modifier(tag: str, attr: str, attrs: dict[str, str]) -> str | None:
    """Which replay modifier an attribute's URL gets (None: not a URL to rewrite)."""
    if attr == "href" and tag in ("a", "area", "link", "base"):
        rel = attrs.get("rel", "").lower().split()
        return "cs_" if "stylesheet" in rel else "im_" if "icon" in rel else ""
    if attr == "src":
        if tag == "img" or (tag == "input" and attrs.get("type", "").lower() == "image"):
            return "im_"
        return {"script": "js_", "iframe": "if_", "frame": "if_"}.get(tag, "")
    if attr == "srcset" and tag in ("img", "source"):
        return "im_"
    if attr == "action" and tag == "form":
        return ""
    if attr == "poster" and tag == "video":
        return "im_"
    if attr == "content" and tag == "meta":
        prop = (attrs.get("property") or attrs.get("name") or "").lower()
        return {"og:url": "", "og:image": "im_", "twitter:image": "im_"}.get(prop)
    return None


def rewrite_html(text: str, original_url: str, prefix: str, timestamp: str,
                 head_insert: str = "", body_insert: str = "") -> str:
    """Rewrite links to replay URLs (prefix/timestamp[mod]/absolute-url) and insert archive markup.

    head_insert goes right after <head>, body_insert right after <body>.
    Regex-based like the archives' own rewriters, so everything else stays byte for byte.
    """
    base = original_url
    found = re.search(r"<base\b[^>]*\bhref\s*=\s*[\"']?([^\"'\s>]+)", text, re.I)
    if found:
        base = urljoin(original_url, html.unescape(found.group(1)))

    def to_replay(url: str, mod: str) -> str:
        if not url.strip() or _SKIP_URL.match(url.strip()):
            return url
        absolute = urljoin(base, url.strip())
        if not absolute.lower().startswith(("http://", "https://")):
            return url
        return f"{prefix}/{timestamp}{mod}/{absolute}"

    def rewrite_tag(tag_text: str) -> str:
        tag = _TAG_NAME.match(tag_text).group(1).lower()
        attrs = {m["name"].lower(): html.unescape(m["value"].strip("\"'")) for m in _ATTR.finditer(tag_text)}

        def attr(m: re.Match) -> str:
            name = m["name"].lower()
            mod = _modifier(tag, name, attrs)
            if mod is None:
                return m.group(0)
            raw = m["value"]
            quote = raw[0] if raw[0] in "\"'" else ""
            value = raw[1:-1] if quote else raw
            if name == "srcset":  # "a.png 1x, b.png 2x"
                value = ", ".join(" ".join([to_replay(c.split()[0], mod)] + c.split()[1:])
                                  for c in value.split(",") if c.strip())
            else:
                value = to_replay(value, mod)
            return f"{m['pre']}{m['name']}{m['eq']}{quote}{value}{quote}"

        return _ATTR.sub(attr, tag_text)

    out: list[str] = []
    position = 0
    head_at = body_at = html_at = None  # where in `out` the inserts go
    for token in _TOKEN.finditer(text):
        out.append(text[position:token.start()])
        position = token.end()
        chunk = token.group(0)
        if chunk.startswith("<!--"):
            out.append(chunk)
            continue
        start_tag = re.match(r"<[^>]*>", chunk).group(0)  # for script/style, only the start tag has URLs
        out.append(rewrite_tag(start_tag) + chunk[len(start_tag):])
        tag = _TAG_NAME.match(start_tag).group(1).lower()
        if tag == "html" and html_at is None:
            html_at = len(out)
        elif tag == "head" and head_at is None:
            head_at = len(out)
        elif tag == "body" and body_at is None:
            body_at = len(out)
    out.append(text[position:])

    # Insert from the back so earlier indexes stay valid; pages without <head>/<body> still get them
    if body_at is None:
        body_at = head_at if head_at is not None else (html_at or 0)
        for index, chunk in enumerate(out):
            if re.search(r"</head\s*>", chunk, re.I):
                before, closing, after = re.split(r"(</head\s*>)", chunk, maxsplit=1, flags=re.I)
                out[index:index + 1] = [before + closing, after]
                body_at = index + 1
                break
    if head_at is None:
        head_at = html_at or 0
    out.insert(body_at, body_insert)
    out.insert(head_at, head_insert)
    return _META_CHARSET.sub(r"\1utf-8", "".join(out))  # we answer utf-8 whatever the page said


def append_after_html(text: str, tail: str) -> str:
    """Put tail right after the last </html> (or at the end), where the archives append their comments."""
    ends = [m.end() for m in re.finditer(r"</html\s*>", text, re.I)]
    cut = ends[-1] if ends else len(text)
    return text[:cut] + "\n" + tail + text[cut:]


def _decode(body: bytes, content_type: str) -> str:
    charset = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.I)
    if not charset:
        charset = re.search(rb"""<meta\b[^>]*?charset\s*=\s*["']?([\w.:-]+)""", body[:4096], re.I)
    name = charset.group(1) if charset else "utf-8"
    name = name.decode("ascii", "replace") if isinstance(name, bytes) else name
    try:
        codecs.lookup(name)
    except LookupError:
        name = "utf-8"
    if name.lower().replace("_", "-") in ("utf-8", "utf8"):
        name = "utf-8-sig"  # drop a byte order mark
    return body.decode(name, errors="replace")


# ---------------------------------------------------------------------------------------------
# Archive markup (shapes copied from real replays; see NOTES.md)


def _moment(timestamp: str) -> datetime:
    return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)


def _banner_time(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S %b %d, %Y")  # "14:45:00 Dec 14, 2015"


def _tail_comments(record: CdxRecord, timings: dict[str, float]) -> str:
    lines = "\n".join(f"  {name}: {value:.3f}" for name, value in timings.items())
    return (f"<!--\n     FILE ARCHIVED ON {_banner_time(_moment(record.timestamp))} AND RETRIEVED FROM THE\n"
            f"     INTERNET ARCHIVE ON {_banner_time(datetime.now(timezone.utc))}.\n"
            "     JAVASCRIPT APPENDED BY WAYBACK MACHINE, COPYRIGHT INTERNET ARCHIVE.\n\n"
            "     ALL OTHER CONTENT MAY ALSO BE PROTECTED BY COPYRIGHT (17 U.S.C.\n"
            "     SECTION 108(a)(3)).\n-->\n"
            f"<!--\nplayback timings (ms):\n{lines}\n-->")


def _wayback_head(record: CdxRecord) -> str:
    e = html.escape
    epoch = int(_moment(record.timestamp).timestamp())
    return f"""<script type="text/javascript" src="/_static/js/bundle-playback.js?v=loopback" charset="utf-8"></script>
<script type="text/javascript" src="/_static/js/wombat.js?v=loopback" charset="utf-8"></script>
<script type="text/javascript">
  __wm.init("https://web.archive.org/web");
  __wm.wombat("{e(record.url)}","{record.timestamp}","https://web.archive.org/","web","/_static/",
              "{epoch}");
</script>
<link rel="stylesheet" type="text/css" href="/_static/css/banner-styles.css?v=loopback" />
<link rel="stylesheet" type="text/css" href="/_static/css/iconochive.css?v=loopback" />
<!-- End Wayback Rewrite JS Include -->
"""


def _wayback_toolbar(collection: Collection, record: CdxRecord, page_url: str) -> str:
    e = html.escape
    captures = collection.by_key.get(record.urlkey, [record])
    count = f"{len(captures):,} capture{'s' if len(captures) != 1 else ''}"
    first, last = _moment(captures[0].timestamp), _moment(captures[-1].timestamp)
    moment = _moment(record.timestamp)
    name = collection.meta.get("name", "Loopback crawl")
    return f"""
<!-- BEGIN WAYBACK TOOLBAR INSERT -->
<script>__wm.rw(0);</script>
<div id="wm-ipp-base" lang="en" style="display:none;direction:ltr;">
<div id="wm-ipp" style="position:fixed;left:0;top:0;right:0;">
<div id="wm-ipp-inside">
<div id="wm-logo" style="float:left;width:110px;padding-top:12px;"><a href="/web/" title="Wayback Machine home page">Wayback Machine</a></div>
<div class="c">
<div class="u"><form target="_top" method="get" action="/web/submit" name="wmtb" id="wmtb"><input type="text" name="url" id="wmtbURL" value="{e(record.url)}" /><input type="hidden" name="type" value="replay" /><input type="hidden" name="date" value="{record.timestamp}" /><input type="submit" value="Go" /></form></div>
<div class="n"><table><tbody><tr class="y"><td class="c" id="displayMonthEl" title="You are here: {moment.strftime('%H:%M:%S %b %d, %Y')}">{moment.strftime('%b').upper()}</td><td class="c" id="displayDayEl">{moment.day:02d}</td><td class="c" id="displayYearEl">{moment.year}</td></tr></tbody></table></div>
<div class="s"><div id="wm-nav-captures"><a class="t" href="/web/{record.timestamp}*/{e(record.url)}" title="See a list of every capture for this URL">{count}</a>
<div class="r" title="Timespan for captures of this URL">{first.strftime('%d %b %Y')} - {last.strftime('%d %b %Y')}</div></div></div>
</div>
<div class="r" style="float:right;"><a href="#" id="wm-expand" class="wm-btn" title="Show details of this capture">About this capture</a></div>
</div>
<div id="wm-capinfo" style="border-top:1px solid #777;display:none;overflow:hidden">
<div id="wm-capinfo-collected-by">
<div style="background-color:#666;color:#fff;font-weight:bold;text-align:center">COLLECTED BY</div>
<div style="padding:3px;position:relative" id="wm-collected-by-content">Organization: Internet Archive<br/>Collection: {e(name)}</div>
</div>
<div id="wm-capinfo-timestamps">
<div style="background-color:#666;color:#fff;font-weight:bold;text-align:center" title="Timestamps for the elements of this page">TIMESTAMPS</div>
<div><div id="wm-capresources" style="margin:0 5px 5px 5px;max-height:250px;overflow-y:scroll !important"></div></div>
</div>
</div>
</div>
</div>
<div id="wm-ipp-print">The Wayback Machine - {e(page_url)}</div>
<script type="text/javascript">__wm.bt(650,27,25,2,"web","{e(record.url)}","{record.timestamp}",1996,"/_static/",["/_static/css/banner-styles.css?v=loopback","/_static/css/iconochive.css?v=loopback"], false);</script>
<!-- END WAYBACK TOOLBAR INSERT -->
"""


def _archiveit_head(root: str, record: CdxRecord) -> str:
    host = urlsplit(record.url).hostname or ""
    return f"""
<!-- Start Wayback Rewrite JS Include -->
<script type="text/javascript" src="/static/js/wombat.js" charset="utf-8"></script>
<script type="text/javascript">
  WB_wombat_Init("{html.escape(root)}", "{record.timestamp}", "{html.escape(host)}");
</script>
<!-- End Wayback Rewrite JS Include -->
"""


def _archiveit_banner(collection: Collection, record: CdxRecord) -> str:
    e, meta = html.escape, collection.meta
    cells = "".join('<div class="wm-media-cell">&nbsp;</div>' for _ in range(4))
    # no whitespace inside the curtain: its text must be exactly "<", 4 no-break spaces, "×", ">"
    curtain = ('<div id="wm-media-curtain" style="display:none">'
               '<div id="wm-media-curtain-prev" class="wm-media-arrow">&lt;</div>'
               f'<div id="wm-media-carousel">{cells}</div>'
               '<div id="wm-media-curtain-close">&times;</div>'
               '<div id="wm-media-curtain-next" class="wm-media-arrow">&gt;</div></div>')
    all_versions = f"/{collection.name}/*/{record.url}"
    collection_url = meta.get("collection_url", f"https://archive-it.org/collections/{collection.name}")
    sentence = (f'You are viewing an archived web page, collected at the request of '
                f'<a href="{e(meta.get("organisation_url", "https://archive-it.org"))}" target="_blank">'
                f'{e(meta.get("organisation", "an Archive-It partner"))}</a> using '
                f'<a href="https://archive-it.org" target="_blank">Archive-It</a>. '
                f'This page was captured on {_banner_time(_moment(record.timestamp))}, and is part of the '
                f'<a href="{e(collection_url)}" target="_blank">{e(meta.get("name", collection.name))}</a> collection. '
                f'The information on this web page may be out of date. '
                f'See <a href="{e(all_versions)}">All versions</a> of this archived page.')
    return f"""{curtain}
<wb_div id="wm-disclaim" style="display:block;position:relative;z-index:99999;font-size:12px;background-color:#fff;border-bottom:1px solid #ccc;padding:4px 8px">
<div id="wm-disclaim-text">{sentence}</div>
<span id="wm-media-button">Loading media information</span> <wb_div id="wm-disclaim-hide" style="float:right;cursor:pointer" onclick="document.getElementById('wm-disclaim').style.display='none';">hide</wb_div>
<div id="qaMissingUrlsDiv" style="display:none"><a id="enableQA" href="#">Enable QA</a> <a id="viewMissingUrls" href="#">View Missing URLs</a></div>
</wb_div>
"""


_NOT_FOUND = {
    "wayback": ("Wayback Machine", "Wayback Machine has not archived that URL."),
    "archive-it": ("Not in Archive", "Not in Archive. The page you requested has not been archived in Archive-It."),
}
# Stubs so a browser replaying offline finds the functions the inserted scripts call
_STATIC_JS = (b"/* loopback archive stub */\nvar __wm={init:function(){},wombat:function(){},rw:function(){},"
              b"bt:function(){},h:function(){}};\nfunction WB_wombat_Init(){}\n")
_HOP_HEADERS = {"transfer-encoding", "content-encoding", "content-length", "connection", "keep-alive"}


# ---------------------------------------------------------------------------------------------
# HTTP


class _Handler(BaseHTTPRequestHandler):
    server: "_ArchiveHTTPServer"
    protocol_version = "HTTP/1.1"

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        archive = self.server.archive
        archive.requests.append(self.path)
        try:
            self._route(archive)
        except Exception as exc:  # a fixture server should say what broke, not drop the connection
            if archive.verbose:
                traceback.print_exc()
            self._send(500, f"loopback archive error: {exc}\n".encode(), "text/plain; charset=utf-8")

    def log_message(self, format, *args):
        if self.server.archive.verbose:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, content_type: str | None, headers=()):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self, archive: "LoopbackArchive"):
        path, _, query = self.path.partition("?")
        collections = archive.collections
        timemap = re.fullmatch(r"/([^/]+)/timemap/cdx", path)
        if path == "/cdx/search/cdx" and "web" in collections:
            return self._cdx(collections["web"], query)
        if timemap and collections.get(timemap.group(1), None) and timemap.group(1) != "web":
            return self._cdx(collections[timemap.group(1)], query)
        if path.startswith(("/_static/", "/static/")):
            return self._send(200, _STATIC_JS if path.endswith(".js") else b"",
                              "application/javascript" if path.endswith(".js") else "text/css")
        listing = re.fullmatch(r"/([^/]+)/\d*\*/(.+)", self.path)
        if listing and listing.group(1) in collections:
            return self._listing(collections[listing.group(1)], listing.group(2))
        address = parse_replay_url(archive.url + self.path)
        name = (address.collection or "web") if address else None
        if address and name in collections and address.archive_root.endswith(f"/{name}/"):
            return self._replay(collections[name], address)
        if path == "/":
            items = "".join(f'<li>{html.escape(n)} ({c.kind}, {len(c.records)} captures)</li>'
                            for n, c in collections.items())
            return self._send(200, f"<html><body><h1>Loopback archive</h1><ul>{items}</ul></body></html>".encode(),
                              "text/html; charset=utf-8")
        self._send(404, b"not found\n", "text/plain; charset=utf-8")

    def _cdx(self, collection: Collection, query: str):
        params = parse_qs(query, keep_blank_values=True)
        try:
            result = query_cdx(collection.records, params)
        except CdxQueryError as exc:
            return self._send(400, f"{exc}\n".encode(), "text/plain; charset=utf-8")
        as_json = (params.get("output") or [""])[-1] == "json"
        if result.num_pages is not None:
            return self._send(200, f"{result.num_pages}\n".encode(), "text/plain; charset=utf-8")
        if not as_json:
            fields = result.fields or CDX_FIELDS
            lines = [" ".join(_value(r, f) for f in fields) for r in result.rows]
            if result.resume_key:
                lines += ["", result.resume_key]
            return self._send(200, "".join(line + "\n" for line in lines).encode(), "text/plain; charset=utf-8")
        if collection.kind == "wayback":  # the Internet Archive: list of lists, header row first
            fields = result.fields or CDX_FIELDS
            table = [fields] + [[_value(r, f) for f in fields] for r in result.rows] if result.rows else []
            if result.resume_key:
                table += [[], [result.resume_key]]
            return self._send(200, json.dumps(table).encode(), "application/json")
        # pywb (Archive-It): one JSON object per line, pywb's field names, offset and filename included
        fields = result.fields or _ALL_FIELDS
        lines = [json.dumps({_PYWB_NAMES.get(f, f): _value(r, f) for f in fields}) for r in result.rows]
        if result.resume_key:
            lines += ["[]", json.dumps([result.resume_key])]
        self._send(200, "".join(line + "\n" for line in lines).encode(), "text/x-ndjson")

    def _not_found(self, collection: Collection, url: str):
        title, message = _NOT_FOUND[collection.kind]
        body = (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1>"
                f"<p>{html.escape(message)}</p><p>{html.escape(url)}</p></body></html>")
        self._send(404, body.encode(), "text/html; charset=utf-8")

    def _listing(self, collection: Collection, url: str):
        captures = collection.by_key.get(surt(url))
        if not captures:
            return self._not_found(collection, url)
        items = "".join(f'<li><a href="/{collection.name}/{r.timestamp}/{html.escape(r.url)}">'
                        f'{_banner_time(_moment(r.timestamp))}</a> {r.status}</li>'
                        for r in captures)
        body = f"<html><body><h1>{len(captures)} captures of {html.escape(url)}</h1><ul>{items}</ul></body></html>"
        self._send(200, body.encode(), "text/html; charset=utf-8")

    def _replay(self, collection: Collection, address):
        started = time.perf_counter()
        captures = collection.by_key.get(surt(address.original_url))
        if not captures:
            return self._not_found(collection, address.original_url)
        wanted = timestamp_to_iso(address.timestamp)
        if wanted is None:
            return self._send(400, b"bad timestamp\n", "text/plain; charset=utf-8")
        wanted_moment = datetime.strptime(wanted, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        record = min(captures, key=lambda r: (abs((_moment(r.timestamp) - wanted_moment).total_seconds()), r.timestamp))
        if record.timestamp != address.timestamp:  # as Wayback: redirect to the exact capture
            location = replay_url(address.archive_root, record.timestamp, record.url, address.modifier)
            return self._send(302, b"", "text/plain", [("Location", location)])
        looked_up = time.perf_counter()
        capture = load_capture(collection, record)
        loaded = time.perf_counter()

        stored = {name.lower(): value for name, value in capture.headers}
        content_type = stored.get("content-type", "application/octet-stream")
        memento = [("Memento-Datetime", format_datetime(_moment(record.timestamp), usegmt=True)),
                   ("Link", f'<{record.url}>; rel="original"')]
        if address.modifier == "id_":  # raw: payload as stored, original headers as X-Archive-Orig-*
            extra = [(f"X-Archive-Orig-{name}", value) for name, value in capture.headers
                     if name.lower() not in _HOP_HEADERS and name.lower() != "content-type"]
            return self._send(capture.status, capture.body, content_type, memento + extra)
        if "location" in stored:  # an archived redirect leads to the replay of its target
            absolute = urljoin(record.url, stored["location"])
            memento.append(("Location", f"/{collection.name}/{record.timestamp}{address.modifier}/{absolute}"))
        is_html = record.mime in ("text/html", "application/xhtml+xml") or "html" in content_type.lower()
        if not is_html:
            return self._send(capture.status, capture.body, content_type, memento)

        page_url = replay_url(address.archive_root, record.timestamp, record.url)
        with_banner = address.modifier in ("", "mp_")
        if collection.kind == "wayback":
            head = _wayback_head(record)
            body = _wayback_toolbar(collection, record, page_url) if with_banner else ""
        else:
            root = address.archive_root
            head = _archiveit_head(root, record)
            body = _archiveit_banner(collection, record) if with_banner else ""
        timings = {"captures_list": (looked_up - started) * 1000, "exclusion.robots": 0.0,
                   "load_resource": (loaded - looked_up) * 1000}
        text = rewrite_html(_decode(capture.body, content_type), record.url, f"/{collection.name}",
                            record.timestamp, head, body)
        timings["rewrite"] = (time.perf_counter() - loaded) * 1000
        text = append_after_html(text, _tail_comments(record, timings))
        self._send(capture.status, text.encode("utf-8"), "text/html; charset=utf-8", memento)


class _ArchiveHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a hung client must not keep the test process alive

    def __init__(self, archive: "LoopbackArchive", port: int):
        self.archive = archive
        super().__init__(("127.0.0.1", port), _Handler)


class LoopbackArchive:
    """Serve archive_dir on http://127.0.0.1:PORT in a daemon thread (port 0: any free port)."""

    def __init__(self, archive_dir: str | Path, port: int = 0, verbose: bool = False):
        self.archive_dir = Path(archive_dir)
        self.port = port
        self.verbose = verbose
        self.requests: list[str] = []  # every path asked, so tests can assert what a crawler fetched
        self.collections = load_collections(self.archive_dir)
        self._server: _ArchiveHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the loopback archive is not running; call start()")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "LoopbackArchive":
        if self._server is None:
            self._server = _ArchiveHTTPServer(self, self.port)
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="loopback-archive", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> "LoopbackArchive":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m winnow.loopback", description="Serve WARC files like "
                                     "the Wayback Machine and Archive-It, on 127.0.0.1.")
    parser.add_argument("archive_dir", type=Path, help="folder with collections.json (e.g. data/archive)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args(argv)
    with LoopbackArchive(args.archive_dir, port=args.port, verbose=args.verbose) as archive:
        print(f"loopback archive at {archive.url}  (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
