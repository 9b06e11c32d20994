"""Archive-It: captures of one collection, listed through the collection's CDX endpoint.

    scrapy crawl archiveit -a collection=3181 -a url=iite.unesco.org/ -a from=2015 -a to=2016

CDX: <endpoint>/<collection>/timemap/cdx ; replay: <endpoint>/<collection>/<timestamp>[id_]/<url>
"""
from __future__ import annotations

from crawler.capture_spider import CdxCaptureSpider


class ArchiveItSpider(CdxCaptureSpider):
    name = "archiveit"
    archive = "archive-it"
    endpoint_setting = "WINNOW_ARCHIVEIT_ENDPOINT"

    def __init__(self, collection: str = "", **kwargs):
        super().__init__(**kwargs)
        if not str(collection).strip():
            raise ValueError("spider archiveit: give the collection id with -a collection=NUMBER")
        self.collection = str(collection).strip()

    @property
    def collection_id(self) -> str:
        return self.collection

    def cdx_url(self) -> str:
        return f"{self.endpoint}/{self.collection}/timemap/cdx"

    def archive_root(self) -> str:
        return f"{self.endpoint}/{self.collection}/"
