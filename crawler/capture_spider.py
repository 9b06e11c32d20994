"""The common part of spiders that list captures through a CDX API and fetch each of them.

Subclasses say where the CDX endpoint and the replay URLs are (`cdx_url`, `archive_root`).
Arguments (`scrapy crawl NAME -a key=value`):
  url        one or more URLs or prefixes, comma or whitespace separated
  match      CDX matchType: exact, prefix (default), host, domain
  from, to   capture time bounds, 4 to 14 digits (inclusive)
  endpoint   archive base URL (default: the spider's setting)
  modifier   replay modifier: "id_" (raw bytes, the default) or "" (as a reader sees it)
"""
from __future__ import annotations

import re
from datetime import datetime, timezone


import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.cdx import CdxRow, parse_cdx, query_params
from crawler.items import CaptureItem, ErrorItem
from extractors.urls import capture_key, replay_url, surt
from winnow.db import stored_capture_keys, stored_digests

_TIMESTAMP = re.compile(r"^\d{4,14}$")


class CdxCaptureSpider(scrapy.Spider):
    archive: str = ""  # "archive-it", "wayback"
    endpoint_setting: str = ""

    def __init__(self, url: str = "", match: str = "prefix", endpoint: str | None = None,
                 modifier: str | None = None, **kwargs):
        # "from" is a Python keyword, so it arrives in kwargs
        self.date_from = _timestamp_arg("from", kwargs.pop("from", None))
        self.date_to = _timestamp_arg("to", kwargs.pop("to", None))
        super().__init__(**kwargs)
        self.urls = [u for u in re.split(r"[\s,]+", url or "") if u]
        if not self.urls and self.urls_required():
            raise ValueError(f"spider {self.name}: give at least one URL or prefix with -a url=...")
        if match not in ("exact", "prefix", "host", "domain"):
            raise ValueError(f"spider {self.name}: match must be exact, prefix, host or domain, not {match!r}")
        self.match = match
        self._endpoint_arg = endpoint
        self._modifier_arg = modifier

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.endpoint = (spider._endpoint_arg or settings.get(cls.endpoint_setting)).rstrip("/")
        modifier = spider._modifier_arg
        spider.modifier = settings.get("WINNOW_REPLAY_MODIFIER", "id_") if modifier is None else modifier
        spider.page_size = settings.getint("WINNOW_CDX_PAGE_SIZE", 1000)
        spider.cdx_slot = settings.get("WINNOW_CDX_SLOT", "cdx")
        skip = settings.getbool("WINNOW_SKIP_STORED", True)
        spider.stored_keys = stored_capture_keys(settings.get("WINNOW_DB")) if skip else set()
        spider.stored_digests = stored_digests(settings.get("WINNOW_DB")) if skip else set()
        return spider

    def urls_required(self) -> bool:
        """Whether `-a url=` must be given; a subclass with a mode that lists no URLs (archiveit's
        WASAPI mode) says no. Called from __init__ before this class sets its own attributes."""
        return True

    # Where things are; subclasses override.
    def cdx_url(self) -> str:
        raise NotImplementedError

    def archive_root(self) -> str:
        raise NotImplementedError

    @property
    def collection_id(self) -> str | None:
        return None

    async def start(self):
        for url in self.urls:
            yield self._cdx_request(url)

    def _cdx_request(self, url: str, resume_key: str | None = None) -> scrapy.Request:
        query = query_params(url, self.match, self.date_from, self.date_to,
                             limit=self.page_size or None, resume_key=resume_key)
        return scrapy.Request(
            f"{self.cdx_url()}?{query}",
            callback=self.parse_cdx,
            errback=self.on_error,
            cb_kwargs={"query_url": url},
            meta={"download_slot": self.cdx_slot, "winnow_stage": "cdx"},
            dont_filter=resume_key is not None,
        )

    def parse_cdx(self, response, query_url: str):
        page = parse_cdx(response.text)
        stats = self.crawler.stats
        stats.inc_value("winnow/cdx_rows", len(page.rows))
        if page.malformed:
            stats.inc_value("winnow/cdx_malformed_lines", page.malformed)
            self.logger.warning("CDX answer for %s had %d malformed lines (skipped)", query_url, page.malformed)
        for row in page.rows:
            key = capture_key(self.archive, self.collection_id, row.timestamp, row.original)
            if key in self.stored_keys or (surt(row.original), row.digest) in self.stored_digests:
                stats.inc_value("winnow/captures_already_stored")
                continue
            yield self._capture_request(row)
        if page.resume_key:
            yield self._cdx_request(query_url, resume_key=page.resume_key)

    def _capture_request(self, row: CdxRow) -> scrapy.Request:
        return scrapy.Request(
            replay_url(self.archive_root(), row.timestamp, row.original, self.modifier),
            callback=self.parse_capture,
            errback=self.on_error,
            cb_kwargs={"row": row},
            meta={"winnow_stage": "fetch"},
            # each CDX row is fetched once anyway; without the filter a redirect cycle reaches the
            # redirect limit and is recorded as an error instead of vanishing
            dont_filter=True,
        )

    def parse_capture(self, response, row: CdxRow):
        yield CaptureItem(
            original_url=row.original,
            timestamp=row.timestamp,
            archive=self.archive,
            collection=self.collection_id,
            digest=row.digest or None,
            status=row.statuscode,
            mime=row.mimetype or None,
            fetched_url=response.url,
            body=response.body,
            fetch_status=response.status,
            fetch_headers=[(k.decode("latin-1"), v.decode("latin-1"))
                           for k, values in response.headers.items() for v in values],
            fetched_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )

    def on_error(self, failure):
        request = failure.request
        if failure.check(HttpError):
            message = f"HTTP {failure.value.response.status}"
        else:
            message = f"{type(failure.value).__name__}: {failure.value}"
        self.logger.warning("%s failed for %s: %s", request.meta.get("winnow_stage"), request.url, message)
        yield ErrorItem(url=request.url, stage=request.meta.get("winnow_stage", "fetch"),
                        message=message, source=self.name)


def _timestamp_arg(name: str, value: str | None) -> str | None:
    if value in (None, ""):
        return None
    value = re.sub(r"[-:T ]", "", str(value))
    if not _TIMESTAMP.match(value):
        raise ValueError(f"-a {name}= takes a timestamp of 4 to 14 digits (e.g. 2015 or 20151214), not {value!r}")
    return value
