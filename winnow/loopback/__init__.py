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
from winnow.loopback.cdx import CdxQueryError, CdxResult, query_cdx
from winnow.loopback.rewrite import append_after_html, rewrite_html
from winnow.loopback.server import Collection, LoopbackArchive, load_collections, main

__all__ = ["LoopbackArchive", "Collection", "CdxQueryError", "CdxResult", "query_cdx", "load_collections",
           "rewrite_html", "append_after_html", "main"]
