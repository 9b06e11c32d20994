"""The markup archives insert into replayed pages (shapes copied from real replays; see NOTES.md)."""
from __future__ import annotations

import html
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from winnow.archive_index import CdxRecord

if TYPE_CHECKING:
    from winnow.loopback.server import Collection



def capture_moment(timestamp: str) -> datetime:
    return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)


def banner_time(moment: datetime) -> str:
    return moment.strftime("%H:%M:%S %b %d, %Y")  # "14:45:00 Dec 14, 2015"


def tail_comments(record: CdxRecord, timings: dict[str, float]) -> str:
    lines = "\n".join(f"  {name}: {value:.3f}" for name, value in timings.items())
    return (f"<!--\n     FILE ARCHIVED ON {banner_time(capture_moment(record.timestamp))} AND RETRIEVED FROM THE\n"
            f"     INTERNET ARCHIVE ON {banner_time(datetime.now(timezone.utc))}.\n"
            "     JAVASCRIPT APPENDED BY WAYBACK MACHINE, COPYRIGHT INTERNET ARCHIVE.\n\n"
            "     ALL OTHER CONTENT MAY ALSO BE PROTECTED BY COPYRIGHT (17 U.S.C.\n"
            "     SECTION 108(a)(3)).\n-->\n"
            f"<!--\nplayback timings (ms):\n{lines}\n-->")


def wayback_head(record: CdxRecord) -> str:
    e = html.escape
    epoch = int(capture_moment(record.timestamp).timestamp())
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


def wayback_toolbar(collection: Collection, record: CdxRecord, page_url: str) -> str:
    e = html.escape
    captures = collection.by_key.get(record.urlkey, [record])
    count = f"{len(captures):,} capture{'s' if len(captures) != 1 else ''}"
    first, last = capture_moment(captures[0].timestamp), capture_moment(captures[-1].timestamp)
    moment = capture_moment(record.timestamp)
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


def archiveit_head(root: str, record: CdxRecord) -> str:
    host = urlsplit(record.url).hostname or ""
    return f"""
<!-- Start Wayback Rewrite JS Include -->
<script type="text/javascript" src="/static/js/wombat.js" charset="utf-8"></script>
<script type="text/javascript">
  WB_wombat_Init("{html.escape(root)}", "{record.timestamp}", "{html.escape(host)}");
</script>
<!-- End Wayback Rewrite JS Include -->
"""


def archiveit_banner(collection: Collection, record: CdxRecord) -> str:
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
                f'This page was captured on {banner_time(capture_moment(record.timestamp))}, and is part of the '
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
