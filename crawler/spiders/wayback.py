"""Internet Archive Wayback Machine: captures listed through its CDX API.

    scrapy crawl wayback -a url=emis.uis.unesco.org/ -a match=prefix -a from=2018

CDX: <endpoint>/cdx/search/cdx ; replay: <endpoint>/web/<timestamp>[id_]/<url>
"""
from __future__ import annotations

from crawler.capture_spider import CdxCaptureSpider


class WaybackSpider(CdxCaptureSpider):
    name = "wayback"
    archive = "wayback"
    endpoint_setting = "WINNOW_WAYBACK_ENDPOINT"

    def cdx_url(self) -> str:
        return f"{self.endpoint}/cdx/search/cdx"

    def archive_root(self) -> str:
        return f"{self.endpoint}/web/"
