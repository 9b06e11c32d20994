"""Wrap a page the way replay systems serve it, and dirty its article, with ground truth of the dirt.

``wrap(html, url, timestamp, style, rng)`` returns ``Wrapped(html, injected)`` where ``injected`` is the
list of ``(kind, text)`` pieces that were added. Nothing injected is ever part of the article's ground
truth; the original article paragraphs all stay in the page (one of them gets Latin filler appended).

Styles (modelled on ../shared/NOTES.md "What replay systems inject"):

* ``wayback``    - head scripts from ``/_static/`` ending with ``<!-- End Wayback Rewrite JS Include -->``;
                   toolbar between ``<!-- BEGIN/END WAYBACK TOOLBAR INSERT -->`` right after ``<body>``
                   (``#wm-ipp-base`` > ``#wm-ipp``, "N captures", "About this capture", "COLLECTED BY",
                   "TIMESTAMPS", ``#wm-ipp-print`` "The Wayback Machine - https://web.archive.org/web/<ts>/<url>");
                   "FILE ARCHIVED ON ..." and "playback timings (ms)" comments after ``</html>``;
                   links rewritten to ``/web/<ts>[im_|js_|cs_|if_]/<abs url>`` (same host) or
                   ``https://web.archive.org/web/<ts>[mod]/<abs url>`` (other hosts).
* ``archive-it`` - ``WB_wombat_Init`` head script; right after ``<body>`` a ``wb_div#wm-disclaim`` banner
                   ("hide", the "You are viewing an archived web page ..." sentence, ``span#wm-media-button``
                   "Loading media information", ``#qaMissingUrlsDiv`` "Enable QA" / "View Missing URLs")
                   and ``div#wm-media-curtain`` ("<", no-break-space cells, "×", ">"); trailing comments;
                   links rewritten to ``https://wayback.archive-it.org/<coll>/<ts>[mod]/<abs url>``.
* ``pywb``       - ``<!-- WB Insert -->`` ... ``<!-- End WB Insert -->`` (wbinfo script, wombat.js) right after
                   ``<head>``; framed mode, so no banner in the page; links ``/<coll>/<ts>[mp_|im_|js_|cs_]/<url>``.
* ``none``       - no archive chrome (dirt only).

Dirt injected into the article's own blocks (article paragraphs = the page's ``<p>`` elements whose text
is found in the ground truth; without a truth, ``<p>`` elements of 12+ words):

* ``duplicate``   a copy of one article paragraph appended at the end of its parent;
* ``truncated``   the first article paragraph cut mid-sentence at 40-70 % of its length, after the last;
* ``placeholder`` a placeholder paragraph ("Lorem ipsum ...", "insert text 3", ...) after a middle one;
* ``filler``      Latin filler appended to the text of one real paragraph;
* ``crumb``       lone "<", "×", ">" paragraphs before the first article paragraph.

Chrome pieces are recorded with kinds ``wayback-toolbar``, ``wayback-comment``, ``archive-it-banner``,
``archive-it-curtain``, ``archive-it-comment``, ``head-script`` (script text, invisible). Deterministic for a
given ``rng`` state. The page is parsed and re-serialised with lxml (as any parser would see it).
"""
from __future__ import annotations

import copy
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

STYLES = ("wayback", "archive-it", "pywb")
DIRT_KINDS = ("duplicate", "truncated", "placeholder", "filler", "crumb")

PLACEHOLDERS = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Sed do eiusmod tempor incididunt ut labore "
    "et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.",
    "insert text 3",
    "The site is currently under configuration",
)
FILLER = "Vestibulum non molestie quam. Donec pulvinar faucibus consectetur."
CRUMBS = ("<", "×", ">")
NBSP = "\u00a0"

ARCHIVE_IT_ORGS = (
    ("Institute for Advanced Study", 211, "Institute Websites", 3127),
    ("University of Northfield Library", 1044, "Faculty and Department Pages", 6402),
    ("State Archives of Westland", 578, "Government Agency Websites", 1190),
    ("Max-Eder-Institut", 1320, "Institutsseiten 2010-2020", 9931),
    ("Harbor City Public Library", 93, "Local News and Blogs", 4475),
)
WAYBACK_COLLECTORS = (
    ("Alexa Crawls", "alexacrawls",
     "Starting in 1996, Alexa Internet has been donating their crawl data to the Internet Archive."),
    ("Common Crawl", "commoncrawl",
     "Common Crawl builds and maintains an open repository of web crawl data."),
    ("Internet Archive", "internetarchive",
     "The Internet Archive discovers and captures web pages through many different web crawls."),
)
PYWB_COLLS = ("my-web-archive", "institute", "collection")

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_WORD = re.compile(r"\w+")


@dataclass
class Wrapped:
    html: str
    injected: list[tuple[str, str]] = field(default_factory=list)
    style: str = "none"
    # <p> elements matched to the ground truth; -1: article not in <p>, dirt put into its container;
    # 0: article not found, no content dirt injected
    article_paragraphs: int = 0


# --------------------------------------------------------------------------- helpers

def norm_tokens(text: str | None) -> str:
    """Comparison form: NFKC, casefold, \\w+ tokens joined by one space."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_WORD.findall(text))


def count_occurrences(needle: str, haystack: str) -> int:
    """Occurrences of needle's token sequence in haystack's (whole tokens, overlapping allowed)."""
    n = norm_tokens(needle)
    if not n:
        return 0
    h = f" {norm_tokens(haystack)} "
    n = f" {n} "
    count, start = 0, 0
    while True:
        i = h.find(n, start)
        if i < 0:
            return count
        count += 1
        start = i + 1


def ts_to_human(ts: str) -> str:
    """'20151214144500' -> '14:45:00 Dec 14, 2015' (the banners' format)."""
    d = datetime.strptime(ts[:14].ljust(14, "0"), "%Y%m%d%H%M%S")
    return f"{d:%H:%M:%S} {_MONTHS[d.month - 1]} {d.day:02d}, {d.year}"


def random_timestamp(rng: random.Random) -> str:
    start = datetime(2012, 1, 1)
    d = start + timedelta(seconds=rng.randrange(0, 11 * 365 * 86400))
    return d.strftime("%Y%m%d%H%M%S")


def _p_texts(p) -> list[str]:
    joined = p.text_content()
    spaced = " ".join(t for t in p.itertext())
    return [joined, spaced] if spaced != joined else [joined]


def _article_paragraphs(root, truth: str | None) -> list:
    truth_norm = f" {norm_tokens(truth)} " if truth else None
    found = []
    for p in root.iter("p"):
        if any(a.tag in ("script", "style", "noscript", "template") for a in p.iterancestors()):
            continue
        for text in _p_texts(p):
            n = norm_tokens(text)
            words = n.count(" ") + 1 if n else 0
            if truth_norm is not None:
                if words >= 6 and f" {n} " in truth_norm:
                    found.append(p)
                    break
            elif words >= 12:
                found.append(p)
                break
    return found


def _new_p(text: str):
    el = lxml.html.Element("p")
    el.text = text
    return el


def _append_text(p, text: str) -> None:
    if len(p):
        last = p[-1]
        last.tail = (last.tail or "") + text
    else:
        p.text = (p.text or "") + text


def _truncate(text: str, rng: random.Random) -> str:
    text = " ".join(text.split())
    cut = int(len(text) * rng.uniform(0.4, 0.7))
    space = text.rfind(" ", 0, cut)
    if space > len(text) * 0.3:
        cut = space
    out = text[:cut].rstrip(" ,;:")
    # mid-sentence: do not end on a sentence end
    return out.rstrip(".!?") if out else out


def _truth_paragraphs(truth: str) -> list[str]:
    return [" ".join(line.split()) for line in truth.splitlines() if len(norm_tokens(line).split()) >= 6]


def _article_container(root, truth: str):
    """Fallback for pages whose article is not in <p> elements (text with <br>, divs): the smallest
    element holding both the first and the last 6 tokens of the ground truth."""
    tokens = norm_tokens(truth).split()
    if len(tokens) < 6:
        return None
    head, tail = f" {' '.join(tokens[:6])} ", f" {' '.join(tokens[-6:])} "
    best, best_len = None, None
    body = root.find("body")
    for el in (body if body is not None else root).iter(etree.Element):
        if el.tag in ("script", "style", "noscript", "template", "head", "title", "meta"):
            continue
        n = f" {norm_tokens(el.text_content())} "
        if head in n and tail in n and (best_len is None or len(n) < best_len):
            best, best_len = el, len(n)
    return best


def _inject_into_container(container, truth: str, rng: random.Random) -> list[tuple[str, str]]:
    text_norm = f" {norm_tokens(container.text_content())} "
    present = [t for t in _truth_paragraphs(truth) if f" {norm_tokens(t)} " in text_norm]
    if not present:
        return []
    injected: list[tuple[str, str]] = []
    # (d) filler at the end of the container's real text
    _append_text(container, " " + FILLER)
    # (e) crumbs before the container's first text
    crumbs = [_new_p(c) for c in CRUMBS]
    crumbs[-1].tail, container.text = container.text, None
    for i, el in enumerate(crumbs):
        container.insert(i, el)
    injected += [("crumb", c) for c in CRUMBS]
    placeholder = rng.choice(PLACEHOLDERS)
    container.append(_new_p(placeholder))
    injected.append(("placeholder", placeholder))
    dup_text = rng.choice(present)
    container.append(_new_p(dup_text))
    injected.append(("duplicate", dup_text))
    truncated = _truncate(present[0], rng)
    if truncated:
        container.append(_new_p(truncated))
        injected.append(("truncated", truncated))
    injected.append(("filler", FILLER))
    return injected


def inject_dirt(root, truth: str | None, rng: random.Random) -> tuple[list[tuple[str, str]], int]:
    """Returns (injected pieces, number of article <p> found; -1 when the container fallback was used)."""
    paras = _article_paragraphs(root, truth)
    if not paras:
        container = _article_container(root, truth) if truth else None
        if container is None:
            return [], 0
        injected = _inject_into_container(container, truth, rng)
        return injected, (-1 if injected else 0)
    injected: list[tuple[str, str]] = []
    first, last = paras[0], paras[-1]
    first_text = " ".join(first.text_content().split())

    # (e) crumbs before the first article paragraph
    for crumb in CRUMBS:
        first.addprevious(_new_p(crumb))
        injected.append(("crumb", crumb))

    # (a) duplicate one paragraph at the end of its parent
    dup = rng.choice(paras)
    dup_text = " ".join(dup.text_content().split())
    clone = copy.deepcopy(dup)
    clone.tail = None
    dup.getparent().append(clone)
    injected.append(("duplicate", dup_text))

    # (c) a placeholder after a middle paragraph
    mid = paras[len(paras) // 2]
    placeholder = rng.choice(PLACEHOLDERS)
    mid.addnext(_new_p(placeholder))
    injected.append(("placeholder", placeholder))

    # (b) truncated copy of the first paragraph after the last
    truncated = _truncate(first_text, rng)
    if truncated:
        last.addnext(_new_p(truncated))
        injected.append(("truncated", truncated))

    # (d) Latin filler appended to one real paragraph (not the one duplicated: keep the copy exact)
    candidates = [p for p in paras if p is not dup] or paras
    _append_text(rng.choice(candidates), " " + FILLER)
    injected.append(("filler", FILLER))
    return injected, len(paras)


# --------------------------------------------------------------------------- link rewriting

_SKIP_SCHEMES = ("javascript:", "mailto:", "data:", "tel:", "#", "about:")


def _rewrite_links(root, page_url: str, make) -> None:
    """make(abs_url, modifier, same_host) -> replay URL."""
    host = urlsplit(page_url).netloc.lower()

    def rw(value: str, mod: str) -> str:
        v = value.strip()
        if not v or v.lower().startswith(_SKIP_SCHEMES):
            return value
        try:
            absolute = urljoin(page_url, v)
            parts = urlsplit(absolute)
        except ValueError:
            return value
        if parts.scheme not in ("http", "https"):
            return value
        return make(absolute, mod, parts.netloc.lower() == host)

    for el in root.iter(etree.Element):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "a" and el.get("href") is not None:
            el.set("href", rw(el.get("href"), ""))
        elif tag == "link" and el.get("href") is not None:
            rel = (el.get("rel") or "").lower()
            el.set("href", rw(el.get("href"), "cs_" if "stylesheet" in rel else ""))
        elif tag == "img" and el.get("src") is not None:
            el.set("src", rw(el.get("src"), "im_"))
        elif tag == "script" and el.get("src") is not None:
            el.set("src", rw(el.get("src"), "js_"))
        elif tag == "iframe" and el.get("src") is not None:
            el.set("src", rw(el.get("src"), "if_"))
        elif tag == "form" and el.get("action") is not None:
            el.set("action", rw(el.get("action"), ""))
        elif tag == "meta" and (el.get("property") or el.get("name") or "").lower() in (
                "og:url", "og:image", "twitter:image", "twitter:url"):
            if el.get("content"):
                el.set("content", rw(el.get("content"), "im_" if "image" in (el.get("property") or el.get("name")) else ""))


# --------------------------------------------------------------------------- chrome

def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _trailing_comments(ts: str, rng: random.Random) -> str:
    retrieved = ts_to_human(random_timestamp(rng) if rng.random() < 0.5 else "20240130030512")
    return (
        "\n<!--\n"
        f"     FILE ARCHIVED ON {ts_to_human(ts)} AND RETRIEVED FROM THE\n"
        f"     INTERNET ARCHIVE ON {retrieved}.\n"
        "     JAVASCRIPT APPENDED BY WAYBACK MACHINE, COPYRIGHT INTERNET ARCHIVE.\n\n"
        "     ALL OTHER CONTENT MAY ALSO BE PROTECTED BY COPYRIGHT (17 U.S.C.\n"
        "     SECTION 108(a)(3)).\n"
        "-->\n"
        "<!--\n"
        "playback timings (ms):\n"
        f"  captures_list: {rng.uniform(0.3, 900):.3f}\n"
        f"  exclusion.robots: {rng.uniform(0.01, 0.3):.3f}\n"
        f"  exclusion.robots.policy: {rng.uniform(0.01, 0.3):.3f}\n"
        f"  esindex: {rng.uniform(0.005, 0.05):.3f}\n"
        f"  cdx.remote: {rng.uniform(3, 60):.3f}\n"
        f"  LoadShardBlock: {rng.uniform(50, 900):.3f} (3)\n"
        f"  PetaboxLoader3.resolve: {rng.uniform(20, 300):.3f}\n"
        f"  load_resource: {rng.uniform(20, 400):.3f}\n"
        "-->"
    )


def _wayback(url: str, ts: str, rng: random.Random):
    captures = f"{rng.randint(2, 40000):,}"
    first = random_timestamp(rng)
    span = f"{ts_to_human(min(first, ts)).split(' ', 1)[1]} - {ts_to_human('20240130').split(' ', 1)[1]}"
    coll_name, coll_id, coll_desc = rng.choice(WAYBACK_COLLECTORS)
    print_line = f"The Wayback Machine - https://web.archive.org/web/{ts}/{url}"
    head = (
        '<script src="//archive.org/includes/athena.js" type="text/javascript"></script>\n'
        '<script type="text/javascript">window.addEventListener(\'DOMContentLoaded\',function(){var v=archive_analytics.values;'
        "v.service='wb';v.server_name='wwwb-app220.us.archive.org';v.server_ms=363;"
        "archive_analytics.send_pageview({});});</script>\n"
        '<script type="text/javascript" src="/_static/js/bundle-playback.js?v=1WaXNDFE" charset="utf-8"></script>\n'
        '<script type="text/javascript" src="/_static/js/wombat.js?v=txqj7nKC" charset="utf-8"></script>\n'
        '<script>window.RufflePlayer=window.RufflePlayer||{};window.RufflePlayer.config={"autoplay":"on",'
        '"unmuteOverlay":"hidden"};</script>\n'
        '<script type="text/javascript" src="/_static/js/ruffle/ruffle.js"></script>\n'
        '<script type="text/javascript">\n'
        '  __wm.init("https://web.archive.org/web");\n'
        f'  __wm.wombat("{_esc(url)}","{ts}","https://web.archive.org/","web","/_static/",\n'
        f'\t      "{rng.randint(1_300_000_000, 1_700_000_000)}");\n'
        "</script>\n"
        '<link rel="stylesheet" type="text/css" href="/_static/css/banner-styles.css?v=S1zqJCYt" />\n'
        '<link rel="stylesheet" type="text/css" href="/_static/css/iconochive.css?v=3PDvdIFv" />\n'
        "<!-- End Wayback Rewrite JS Include -->\n"
    )
    year = int(ts[:4])
    month = int(ts[4:6])
    months = " ".join(
        f'<a href="/web/{year}{m:02d}01000000*/{_esc(url)}">{_MONTHS[m - 1].upper() if m == month else _MONTHS[m - 1]}</a>'
        for m in (max(1, month - 1), month, min(12, month + 1)))
    years = " ".join(f'<a href="/web/{y}0601000000*/{_esc(url)}">{y}</a>' for y in (year - 1, year, year + 1))
    body = (
        "<!-- BEGIN WAYBACK TOOLBAR INSERT -->\n"
        "<script>__wm.rw(0);</script>\n"
        '<div id="wm-ipp-base" lang="en" style="display:none;direction:ltr;">\n'
        '<div id="wm-ipp" style="position:fixed;left:0;top:0;right:0;">\n'
        '<div id="wm-ipp-inside">\n'
        '  <div id="wm-logo" style="float:left;width:110px;padding-top:12px;">'
        '<a href="/web/" title="Wayback Machine home page"><img src="/_static/images/toolbar/wayback-toolbar-logo-200.png" '
        'srcset="/_static/images/toolbar/wayback-toolbar-logo-100.png, /_static/images/toolbar/wayback-toolbar-logo-150.png 1.5x" '
        'alt="Wayback Machine" width="100" height="44" border="0" /></a></div>\n'
        '  <div class="c">\n'
        '    <div class="u"><form target="_top" method="get" action="/web/submit" name="wmtb" id="wmtb">'
        f'<input type="text" name="url" id="wmtbURL" value="{_esc(url)}" />'
        f'<input type="hidden" name="type" value="replay" /><input type="hidden" name="date" value="{ts}" />'
        '<input type="submit" value="Go" /></form></div>\n'
        f'    <div class="n"><div class="m">{months}</div><div class="y">{years}</div></div>\n'
        '    <div class="s"><div id="wm-nav-captures">'
        f'<a class="t" href="/web/*/{_esc(url)}*" title="See a list of every capture for this URL">{captures} captures</a>'
        f'<div class="r" title="Timespan for captures of this URL">{span}</div></div></div>\n'
        "  </div>\n"
        '  <div class="r"><div id="r1"><a id="wm-btns" href="#" title="About this capture">About this capture</a>'
        '<a id="wm-tb-close" href="#close" title="Close the toolbar">×</a></div></div>\n'
        "</div>\n"
        '<div id="wm-capinfo" style="display: none">\n'
        '  <div id="wm-capinfo-collected-by"><div class="wm-capinfo-title">COLLECTED BY</div>\n'
        f'    <div class="wm-capinfo-content"><div>Organization: <a href="/details/{coll_id}">{coll_name}</a></div>'
        f"<div>{coll_desc}</div></div></div>\n"
        '  <div id="wm-capinfo-timestamps"><div class="wm-capinfo-title">TIMESTAMPS</div>\n'
        '    <div class="wm-capinfo-content"><span class="label">loading</span></div></div>\n'
        "</div>\n"
        "</div>\n"
        "</div>\n"
        f'<div id="wm-ipp-print">{_esc(print_line)}</div>\n'
        '<script type="text/javascript">\n'
        f'__wm.bt(750,27,25,2,"web","{_esc(url)}","{ts}",1996,"/_static/",["/_static/css/banner-styles.css?v=S1zqJCYt",'
        '"/_static/css/iconochive.css?v=3PDvdIFv"], false);\n'
        '  __wm.rw(1);\n'
        "</script>\n"
        "<!-- END WAYBACK TOOLBAR INSERT -->\n"
    )
    injected = [
        ("head-script", "__wm.wombat"),
        ("wayback-toolbar", f"{captures} captures"),
        ("wayback-toolbar", span),
        ("wayback-toolbar", "About this capture"),
        ("wayback-toolbar", "COLLECTED BY"),
        ("wayback-toolbar", f"Organization: {coll_name}"),
        ("wayback-toolbar", coll_desc),
        ("wayback-toolbar", "TIMESTAMPS"),
        ("wayback-toolbar", "loading"),
        ("wayback-toolbar", print_line),
        ("wayback-comment", f"FILE ARCHIVED ON {ts_to_human(ts)}"),
        ("wayback-comment", "playback timings (ms):"),
    ]

    def make(absolute: str, mod: str, same_host: bool) -> str:
        path = f"/web/{ts}{mod}/{absolute}"
        return path if same_host else "https://web.archive.org" + path

    return head, body, _trailing_comments(ts, rng), injected, make


def _archive_it(url: str, ts: str, rng: random.Random):
    org, org_id, coll_name, coll = rng.choice(ARCHIVE_IT_ORGS)
    host = urlsplit(url).netloc
    when = ts_to_human(ts)
    org_level = rng.random() < 0.25
    sep = rng.choice((", and", " and"))
    head = (
        "<!-- Start Wayback Rewrite JS Include -->\n"
        '<script type="text/javascript" src="https://wayback.archive-it.org/static/js/wombat.js"></script>\n'
        '<script type="text/javascript">\n'
        f'  WB_wombat_Init("https://wayback.archive-it.org/{coll}/", "{ts}", "{_esc(host)}");\n'
        "</script>\n"
        "<!-- End Wayback Rewrite JS Include -->\n"
    )
    org_link = f'<a href="https://archive-it.org/organizations/{org_id}" target="_top">{_esc(org)}</a>'
    coll_link = f'<a href="https://archive-it.org/collections/{coll}" target="_top">{_esc(coll_name)}</a>'
    all_link = f'<a href="https://wayback.archive-it.org/{coll}/*/{_esc(url)}" target="_top">All versions</a>'
    if org_level:
        sentence_html = (
            f"You are viewing an archived web page, collected at the request of {org_link} using "
            f'<a href="https://archive-it.org" target="_top">Archive-It</a>. This page was captured on {when}. '
            f"The information on this web page may be out of date. See {all_link} of this archived page.")
        sentence = (
            f"You are viewing an archived web page, collected at the request of {org} using Archive-It. "
            f"This page was captured on {when}. The information on this web page may be out of date. "
            "See All versions of this archived page.")
    else:
        sentence_html = (
            f"You are viewing an archived web page, collected at the request of {org_link} using "
            f'<a href="https://archive-it.org" target="_top">Archive-It</a>. This page was captured on {when}{sep} is '
            f"part of the {coll_link} collection. The information on this web page may be out of date. "
            f"See {all_link} of this archived page.")
        sentence = (
            f"You are viewing an archived web page, collected at the request of {org} using Archive-It. "
            f"This page was captured on {when}{sep} is part of the {coll_name} collection. "
            "The information on this web page may be out of date. See All versions of this archived page.")
    cell = f"<td>{NBSP}</td>"
    body = (
        '<wb_div id="wm-disclaim" style="display:block;position:relative;z-index:99999;">\n'
        '  <wb_div id="wm-disclaim-hide" onclick="document.getElementById(\'wm-disclaim\').style.display=\'none\';">hide</wb_div>\n'
        f'  <wb_div id="wm-disclaim-text">{sentence_html}</wb_div>\n'
        '  <span id="wm-media-button" class="wm-media-button">Loading media information</span>\n'
        '  <wb_div id="qaMissingUrlsDiv"><a href="#" id="qaEnable">Enable QA</a>\n'
        '  <a href="#" id="qaMissingUrls">View Missing URLs</a></wb_div>\n'
        "</wb_div>\n"
        '<div id="wm-media-curtain" style="display:none"><table><tr>'
        f"<td>&lt;</td>{cell}<td>×</td>{cell}<td>&gt;</td></tr></table></div>\n"
    )
    injected = [
        ("head-script", "WB_wombat_Init"),
        ("archive-it-banner", "hide"),
        ("archive-it-banner", sentence),
        ("archive-it-banner", "Loading media information"),
        ("archive-it-banner", "Enable QA"),
        ("archive-it-banner", "View Missing URLs"),
        ("archive-it-curtain", "<"),
        ("archive-it-curtain", "×"),
        ("archive-it-curtain", ">"),
        ("archive-it-comment", f"FILE ARCHIVED ON {when}"),
    ]

    def make(absolute: str, mod: str, same_host: bool) -> str:
        path = f"/{coll}/{ts}{mod}/{absolute}"
        return path if same_host else "https://wayback.archive-it.org" + path

    return head, body, _trailing_comments(ts, rng), injected, make


def _pywb(url: str, ts: str, rng: random.Random):
    coll = rng.choice(PYWB_COLLS)
    host = urlsplit(url).netloc
    scheme = urlsplit(url).scheme or "http"
    epoch = int(datetime.strptime(ts[:14], "%Y%m%d%H%M%S").timestamp())
    head = (
        "<!-- WB Insert -->\n"
        "<script>\n"
        "wbinfo = {};\n"
        f'wbinfo.top_url = "http://localhost:8080/{coll}/{ts}/{_esc(url)}";\n'
        f'wbinfo.url = "{_esc(url)}";\n'
        f'wbinfo.timestamp = "{ts}";\n'
        f'wbinfo.request_ts = "{ts}";\n'
        f'wbinfo.prefix = decodeURI("http://localhost:8080/{coll}/");\n'
        'wbinfo.mod = "mp_";\n'
        "wbinfo.is_framed = true;\n"
        "wbinfo.is_live = false;\n"
        f'wbinfo.coll = "{coll}";\n'
        'wbinfo.proxy_magic = "";\n'
        'wbinfo.static_prefix = "http://localhost:8080/static/";\n'
        "wbinfo.enable_auto_fetch = true;\n"
        "</script>\n"
        "<script src='http://localhost:8080/static/wombat.js'> </script>\n"
        "<script>\n"
        f'  wbinfo.wombat_ts = "{ts}";\n'
        f'  wbinfo.wombat_sec = "{epoch}";\n'
        f'  wbinfo.wombat_scheme = "{scheme}";\n'
        f'  wbinfo.wombat_host = "{_esc(host)}";\n'
        "  wbinfo.wombat_opts = {};\n"
        "  if (window && window._WBWombatInit) {\n"
        "    window._WBWombatInit(wbinfo);\n"
        "  }\n"
        "</script>\n"
        "<!-- End WB Insert -->\n"
    )
    injected = [("head-script", "wbinfo.timestamp")]

    def make(absolute: str, mod: str, same_host: bool) -> str:
        return f"/{coll}/{ts}{mod or 'mp_'}/{absolute}"

    return head, "", "", injected, make


_CHROME = {"wayback": _wayback, "archive-it": _archive_it, "pywb": _pywb}

# --------------------------------------------------------------------------- assembly

_HEAD_OPEN = re.compile(r"<head(?:\s[^>]*)?>", re.I)
_BODY_OPEN = re.compile(r"<body(?:\s[^>]*)?>", re.I)
_HTML_OPEN = re.compile(r"<html(?:\s[^>]*)?>", re.I)


def _insert_after(pattern: re.Pattern, doc: str, insert: str) -> tuple[str, bool]:
    m = pattern.search(doc)
    if not m:
        return doc, False
    return doc[: m.end()] + "\n" + insert + doc[m.end():], True


def wrap(html: str, url: str, timestamp: str, style: str, rng: random.Random, *,
         truth: str | None = None, dirt: bool = True) -> Wrapped:
    """Serve ``html`` (the page as captured, str) the way archive ``style`` replays it.

    truth: the article's ground-truth text, used to find the article paragraphs for the dirt;
    dirt: inject the content dirt (duplicate, truncated copy, placeholder, filler, crumbs).
    """
    if style not in _CHROME and style != "none":
        raise ValueError(f"unknown style {style!r}; expected one of {STYLES + ('none',)}")
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    html = _XML_DECL.sub("", html, count=1)
    root = lxml.html.document_fromstring(html)
    doctype = root.getroottree().docinfo.doctype

    injected: list[tuple[str, str]] = []
    matched = 0
    if dirt:
        injected, matched = inject_dirt(root, truth, rng)

    head = body = tail = ""
    if style != "none":
        head, body, tail, chrome, make = _CHROME[style](url, timestamp, rng)
        _rewrite_links(root, url, make)
        injected = chrome + injected

    out = lxml.html.tostring(root, encoding="unicode", method="html", doctype=doctype or None)
    if head:
        out, ok = _insert_after(_HEAD_OPEN, out, head)
        if not ok:
            out, ok = _insert_after(_HTML_OPEN, out, "<head>\n" + head + "</head>")
            if not ok:
                out = "<head>\n" + head + "</head>\n" + out
    if body:
        out, ok = _insert_after(_BODY_OPEN, out, body)
        if not ok:
            out = body + out
    if tail:
        out = out.rstrip() + tail + "\n"
    return Wrapped(out, injected, style, matched)
