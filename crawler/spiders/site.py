"""Live institute sites: pages found through their sitemaps and links, within allowed domains,
obeying robots.txt, with depth and page limits.

    scrapy crawl site -a url=https://www.iiep.unesco.org/ -a depth=2 -a max_pages=500

Arguments (`-a key=value`):
  url        start URLs, comma or whitespace separated (a bare host gets https://)
  domains    allowed domains, comma separated (default: the start URLs' hosts without "www.");
             a domain allows its subdomains
  sitemap    true/false (default true): read the Sitemap: lines of robots.txt and /sitemap.xml of
             each start host, follow sitemap indexes; sitemap pages count as depth 0
  depth      link depth from a start or sitemap page (default 2; 0 = no limit) -> DEPTH_LIMIT
  max_pages  most page requests of the run (default 500; 0 = no limit). The spider keeps the
             budget itself; CLOSESPIDER_PAGECOUNT is set as a backstop (2 × max_pages + 50
             responses, since robots.txt, sitemaps and redirects are responses too)

Settings applied from the arguments in `from_crawler` (before Scrapy freezes the settings, at
"spider" priority, so `-s` on the command line still wins): ROBOTSTXT_OBEY=True (custom_settings),
DEPTH_LIMIT, CLOSESPIDER_PAGECOUNT.

Only text/html (and application/xhtml+xml) responses become `CaptureItem`s: archive "live", no
collection, timestamp = fetch time (14 digits, UTC), digest = base32 sha1 of the body. Links are
followed only from HTML pages, to http(s) URLs on allowed hosts, without binary extensions.
Fetch errors become `ErrorItem`s; requests refused by robots.txt or offsite are counted
(`winnow/site_ignored_requests`), not errors; a missing robots.txt or /sitemap.xml is normal.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import urldefrag, urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.linkextractors import IGNORED_EXTENSIONS, LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from scrapy.utils.url import url_has_any_extension
from w3lib.url import canonicalize_url

from crawler.items import HTML_MIMES, CaptureItem, ErrorItem
from crawler.stats import inc_stat
from winnow.archive_index import sha1_base32

# Scrapy's list (archives, images, audio, video, office, pdf, ...) and a few more non-pages
BINARY_EXTENSIONS = sorted(set(IGNORED_EXTENSIONS) | {
    "gz", "tgz", "bz", "epub", "mobi", "woff", "woff2", "ttf", "otf", "eot", "avif", "heic", "mkv",
    "flac", "opus", "rtf", "csv", "json", "xml", "txt", "ics", "vcf", "kml", "kmz", "wasm", "map",
})
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SiteSpider(scrapy.Spider):
    name = "site"
    archive = "live"
    custom_settings = {"ROBOTSTXT_OBEY": True}

    def __init__(self, url: str = "", domains: str | None = None, sitemap: str | bool = "true",
                 depth: str | int = 2, max_pages: str | int = 500, **kwargs):
        super().__init__(**kwargs)
        self.urls = [_with_scheme(u) for u in re.split(r"[\s,]+", url or "") if u]
        if not self.urls:
            raise ValueError(f"spider {self.name}: give at least one start URL with -a url=...")
        for start in self.urls:
            if not urlsplit(start).hostname:
                raise ValueError(f"spider {self.name}: {start!r} is not a URL")
        given = [_domain(d) for d in re.split(r"[\s,]+", domains or "") if d]
        default = [_strip_www(urlsplit(u).hostname or "") for u in self.urls]
        self.domains = list(dict.fromkeys(d for d in (given or default) if d))
        self.allowed_domains = self.domains  # Scrapy's OffsiteMiddleware guards every request too
        self.follow_sitemaps = _bool_arg("sitemap", sitemap)
        self.depth = _int_arg("depth", depth)
        self.max_pages = _int_arg("max_pages", max_pages)
        # LinkExtractor's allow_domains compares the host *with its port* (Scrapy 2.19), so it would
        # drop every link of a site on a non-default port: domains are checked by `wanted` instead.
        self.link_extractor = LinkExtractor(deny_extensions=BINARY_EXTENSIONS, unique=True)
        self._seen: set[str] = set()
        self._budget_used = 0

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if settings.frozen:  # a crawler whose settings were applied before the spider was made
            spider.logger.warning("settings already frozen: DEPTH_LIMIT and CLOSESPIDER_PAGECOUNT not set")
            return spider
        settings.set("DEPTH_LIMIT", spider.depth, priority="spider")
        settings.set("CLOSESPIDER_PAGECOUNT", 2 * spider.max_pages + 50 if spider.max_pages else 0,
                     priority="spider")
        spider.depth = settings.getint("DEPTH_LIMIT")  # `-s DEPTH_LIMIT=` outranks the argument
        return spider

    async def start(self):
        for url in self.urls:
            if self.take(url):
                yield self.page_request(url)
        if not self.follow_sitemaps:
            return
        for origin in dict.fromkeys(_origin(u) for u in self.urls):
            yield scrapy.Request(f"{origin}/robots.txt", callback=self.parse_robots, errback=self.on_error,
                                 meta={"winnow_stage": "robots", "winnow_optional": True,
                                       "dont_obey_robotstxt": True})
            yield self.sitemap_request(f"{origin}/sitemap.xml", optional=True)

    # --- requests ----------------------------------------------------------------------------

    def page_request(self, url: str, from_sitemap: bool = False) -> scrapy.Request:
        meta = {"winnow_stage": "fetch", "winnow_page": True}
        if from_sitemap:
            meta["depth_reset"] = True  # a sitemap lists pages of the site: they start at depth 0
        return scrapy.Request(url, callback=self.parse_page, errback=self.on_error, meta=meta)

    def sitemap_request(self, url: str, optional: bool = False) -> scrapy.Request:
        # robots.txt may name a sitemap on another host (sitemaps.org cross-submission); the pages
        # it lists are still filtered by domain
        return scrapy.Request(url, callback=self.parse_sitemap, errback=self.on_error,
                              meta={"winnow_stage": "sitemap", "winnow_optional": optional,
                                    "depth_reset": True, "allow_offsite": True})

    def wanted(self, url: str) -> bool:
        """An http(s) URL on an allowed host that does not name a binary file."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return False
        host = (parts.hostname or "").lower()
        if not any(host == d or host.endswith(f".{d}") for d in self.domains):
            return False
        return not url_has_any_extension(url, [f".{e}" for e in BINARY_EXTENSIONS])

    def take(self, url: str) -> bool:
        """Claim a page request: False if the URL was already claimed or the budget is spent."""
        key = canonicalize_url(url)
        if key in self._seen:
            return False
        if self.max_pages and self._budget_used >= self.max_pages:
            self._inc("winnow/site_over_budget")
            return False
        self._seen.add(key)
        self._budget_used += 1
        return True

    def _inc(self, key: str) -> None:
        inc_stat(self, key)

    def _budget_left(self) -> bool:
        return not self.max_pages or self._budget_used < self.max_pages

    # --- callbacks ---------------------------------------------------------------------------

    def parse_robots(self, response):
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            if self._budget_left():
                yield self.sitemap_request(url)

    def parse_sitemap(self, response):
        optional = response.meta.get("winnow_optional", False)
        body = response.body
        if gzip_magic_number(response):
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception:  # noqa: BLE001 - a bad or oversized gzip is a bad sitemap
                body = b""
        sitemap = _sitemap(body)
        if sitemap is None or sitemap.type not in ("sitemapindex", "urlset"):
            self._inc("winnow/site_bad_sitemaps")
            if optional:  # a guessed /sitemap.xml answered with an HTML page: no sitemap there
                self.logger.debug("no sitemap at %s", response.url)
                return
            message = "not a sitemap (expected <urlset> or <sitemapindex>)"
            self.logger.warning("%s: %s", response.url, message)
            yield ErrorItem(url=response.url, stage="sitemap", message=message, source=self.name)
            return
        self._inc("winnow/site_sitemaps")
        for entry in sitemap:
            if not self._budget_left():
                break
            loc = urldefrag((entry.get("loc") or "").strip())[0]
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                yield self.sitemap_request(loc)
            elif self.wanted(loc):
                self._inc("winnow/site_sitemap_urls")
                if self.take(loc):
                    yield self.page_request(loc, from_sitemap=True)

    def parse_page(self, response):
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        mime = content_type.split(";", 1)[0].strip().lower()
        is_html = mime in HTML_MIMES if mime else isinstance(response, HtmlResponse)
        if not is_html:
            self._inc("winnow/site_skipped_non_html")
            return
        now = datetime.now(timezone.utc)
        yield CaptureItem(
            original_url=response.url,
            timestamp=now.strftime("%Y%m%d%H%M%S"),
            archive=self.archive,
            collection=None,
            digest=sha1_base32(response.body),
            status=response.status,
            mime=mime or "text/html",
            fetched_url=response.url,
            body=response.body,
            fetch_status=response.status,
            fetch_headers=[(k.decode("latin-1"), v.decode("latin-1"))
                           for k, values in response.headers.items() for v in values],
            fetched_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        self._seen.add(canonicalize_url(response.url))  # after a redirect, the URL it ended at
        depth = response.meta.get("depth", 0)
        if self.depth and depth >= self.depth:
            return  # its links would be one level too deep
        for link in self.link_extractor.extract_links(response):
            url = urldefrag(link.url)[0]
            if self.wanted(url) and self.take(url):
                yield self.page_request(url)

    def on_error(self, failure):
        request = failure.request
        stage = request.meta.get("winnow_stage", "fetch")
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            # refused by robots.txt or offsite: policy, not an error; the request was never sent
            self._inc("winnow/site_ignored_requests")
            if request.meta.get("winnow_page"):
                self._budget_used -= 1
            return
        if failure.check(HttpError):
            message = f"HTTP {failure.value.response.status}"
        else:
            message = f"{type(failure.value).__name__}: {failure.value}"
        if request.meta.get("winnow_optional"):
            self.logger.debug("%s not available at %s: %s", stage, request.url, message)
            return
        self.logger.warning("%s failed for %s: %s", stage, request.url, message)
        yield ErrorItem(url=request.url, stage=stage, message=message, source=self.name)


def _sitemap(body: bytes) -> Sitemap | None:
    if not body or not body.strip():
        return None
    try:
        return Sitemap(body)
    except Exception:  # noqa: BLE001 - lxml raises several kinds on garbage
        return None


def _with_scheme(url: str) -> str:
    return url if re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I) else f"https://{url}"


def _domain(value: str) -> str:
    """'https://www.Example.org:8080/x' or 'example.org' -> the host name, lower case."""
    host = urlsplit(_with_scheme(value.strip())).hostname or ""
    return host.lower().strip(".")


def _strip_www(host: str) -> str:
    host = host.lower()
    return host[4:] if host.startswith("www.") and host.count(".") >= 2 else host


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _bool_arg(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"-a {name}= takes true or false, not {value!r}")


def _int_arg(name: str, value) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"-a {name}= takes a whole number (0 = no limit), not {value!r}") from None
    if number < 0:
        raise ValueError(f"-a {name}= takes a whole number (0 = no limit), not {value!r}")
    return number
