"""The site spider: callbacks driven by fixture files, and `scrapy crawl site` in a subprocess
against a tiny site (tests/fixtures/site/, see its README.md) served on 127.0.0.1 by the test."""
import asyncio
import base64
import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from twisted.python.failure import Failure

from crawler.items import CaptureItem, ErrorItem
from crawler.spiders.site import SiteSpider
from helpers import FIXTURES, make_spider, response_from_file

PROJECT = Path(__file__).resolve().parent.parent
SITE = FIXTURES / "site"
BASE = "http://127.0.0.1:8000"
TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml", ".txt": "text/plain",
         ".pdf": "application/pdf", ".md": "text/markdown"}


def spider(tmp_path, **arguments):
    arguments.setdefault("url", f"{BASE}/")
    return make_spider(SiteSpider, {"WINNOW_DB": str(tmp_path / "none.db")}, **arguments)


def site_file(name: str, port: int = 8000) -> bytes:
    return (SITE / name).read_bytes().replace(b"@PORT@", str(port).encode())


def requests_of(output):
    return [r for r in output if isinstance(r, Request)]


def failure_for(request, exception):
    failure = Failure(exception)
    failure.request = request
    return failure


# --- arguments and settings ------------------------------------------------------------------

def test_arguments_set_robots_depth_and_page_count_settings_before_they_freeze():
    from crawler import settings as project_settings

    base = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    crawler = Crawler(SiteSpider, Settings(base))  # what `scrapy crawl` builds: settings not yet frozen
    s = SiteSpider.from_crawler(crawler, url=f"{BASE}/", depth="3", max_pages="10")
    assert crawler.settings.getbool("ROBOTSTXT_OBEY") is True  # the project default is False
    assert crawler.settings.getint("DEPTH_LIMIT") == 3 and s.depth == 3
    assert crawler.settings.getint("CLOSESPIDER_PAGECOUNT") == 2 * 10 + 50
    assert s.max_pages == 10 and s.follow_sitemaps is True


def test_command_line_setting_outranks_the_default_depth():
    settings = Settings()
    settings.set("DEPTH_LIMIT", 5, priority="cmdline")
    crawler = Crawler(SiteSpider, settings)
    s = SiteSpider.from_crawler(crawler, url=f"{BASE}/")
    assert s.depth == 5


def test_default_domains_are_the_start_hosts_without_www(tmp_path):
    s = spider(tmp_path, url="https://www.iiep.unesco.org/en, http://127.0.0.1:8000/")
    assert s.domains == ["iiep.unesco.org", "127.0.0.1"]
    assert s.wanted("https://learningportal.iiep.unesco.org/x") and s.wanted("http://127.0.0.1:8000/a")
    assert not s.wanted("https://unesco.org/") and not s.wanted("https://www.iiep.unesco.org/report.PDF")
    assert not s.wanted("mailto:info@iiep.unesco.org") and not s.wanted("https://www.iiep.unesco.org/data.xml")
    s = spider(tmp_path, url="iiep.unesco.org", domains="https://Example.org:8080/, uis.unesco.org")
    assert s.urls == ["https://iiep.unesco.org"] and s.domains == ["example.org", "uis.unesco.org"]


@pytest.mark.parametrize("arguments, message", [
    ({"url": ""}, "at least one start URL"),
    ({"sitemap": "maybe"}, "true or false"),
    ({"depth": "deep"}, "whole number"),
    ({"max_pages": "-1"}, "whole number"),
])
def test_bad_arguments_are_refused_clearly(tmp_path, arguments, message):
    with pytest.raises(ValueError, match=message):
        spider(tmp_path, **arguments)


def test_start_asks_for_the_pages_robots_txt_and_sitemap(tmp_path):
    async def collect(s):
        return [r async for r in s.start()]

    s = spider(tmp_path, url=f"{BASE}/,{BASE}/about.html")
    urls = [r.url for r in asyncio.run(collect(s))]
    assert urls == [f"{BASE}/", f"{BASE}/about.html", f"{BASE}/robots.txt", f"{BASE}/sitemap.xml"]
    s = spider(tmp_path, sitemap="false")
    assert [r.url for r in asyncio.run(collect(s))] == [f"{BASE}/"]


# --- callbacks -------------------------------------------------------------------------------

def test_html_page_becomes_a_live_capture(tmp_path):
    s = spider(tmp_path)
    page = response_from_file("site/index.html", f"{BASE}/")
    (item,) = [i for i in s.parse_page(page) if isinstance(i, CaptureItem)]
    assert item.archive == "live" and item.collection is None
    assert item.original_url == item.fetched_url == f"{BASE}/"
    assert item.status == item.fetch_status == 200 and item.mime == "text/html"
    assert item.digest == base64.b32encode(hashlib.sha1(page.body).digest()).decode()
    assert len(item.timestamp) == 14 and item.timestamp.isdigit()
    fetched = datetime.strptime(item.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - fetched).total_seconds()) < 60
    assert item.fetched_at.startswith(f"{item.timestamp[:4]}-") and item.capture.key.startswith("live/-/")


def test_links_are_followed_on_allowed_hosts_without_binary_files(tmp_path):
    s = spider(tmp_path)
    page = response_from_file("site/index.html", f"{BASE}/")
    urls = [r.url for r in requests_of(s.parse_page(page))]
    # robots.txt is the RobotsTxtMiddleware's job; the PDF, mailto and the localhost link are dropped here
    assert urls == [f"{BASE}/about.html", f"{BASE}/news/", f"{BASE}/private/secret.html", f"{BASE}/files/brochure"]
    # the same links again are not requested twice
    assert requests_of(s.parse_page(page)) == []


def test_no_links_are_followed_from_a_page_at_the_depth_limit(tmp_path):
    s = spider(tmp_path, depth="2")
    request = Request(f"{BASE}/about.html", meta={"depth": 2})
    page = response_from_file("site/about.html", request.url, request=request)
    output = list(s.parse_page(page))
    assert len(output) == 1 and isinstance(output[0], CaptureItem)


def test_non_html_responses_are_not_stored(tmp_path):
    s = spider(tmp_path)
    request = Request(f"{BASE}/files/brochure")
    pdf = Response(request.url, body=site_file("files/brochure"), request=request,
                   headers={"Content-Type": "application/pdf"})
    assert list(s.parse_page(pdf)) == []
    assert s.crawler.stats.get_value("winnow/site_skipped_non_html") == 1


def test_page_budget_counts_requests_and_gives_back_refused_ones(tmp_path):
    s = spider(tmp_path, max_pages="2")
    assert s.take(f"{BASE}/") and s.take(f"{BASE}/a.html")
    assert not s.take(f"{BASE}/b.html")
    request = s.page_request(f"{BASE}/private/secret.html")
    assert list(s.on_error(failure_for(request, IgnoreRequest("Forbidden by robots.txt")))) == []
    assert s.take(f"{BASE}/b.html") and not s.take(f"{BASE}/c.html")
    assert s.crawler.stats.get_value("winnow/site_ignored_requests") == 1


def test_robots_txt_sitemap_lines_are_followed(tmp_path):
    s = spider(tmp_path)
    robots = TextResponse(f"{BASE}/robots.txt", body=site_file("robots.txt"), request=Request(f"{BASE}/robots.txt"))
    (request,) = requests_of(s.parse_robots(robots))
    assert request.url == f"{BASE}/sitemap-news.xml" and request.callback == s.parse_sitemap
    assert request.meta["depth_reset"] and not request.meta["winnow_optional"]


def test_sitemap_index_leads_to_urlsets_and_urlsets_to_pages(tmp_path):
    s = spider(tmp_path)
    first = s.sitemap_request(f"{BASE}/sitemap.xml", optional=True)
    index = XmlResponse(first.url, body=site_file("sitemap.xml"), request=first)
    (child,) = requests_of(s.parse_sitemap(index))
    assert child.url == f"{BASE}/sitemap-pages.xml" and child.callback == s.parse_sitemap
    urlset = XmlResponse(child.url, body=site_file("sitemap-pages.xml"), request=child)
    pages = requests_of(s.parse_sitemap(urlset))
    # the PDF and the off-domain URL are left out; robots.txt will refuse the private page
    assert [r.url for r in pages] == [f"{BASE}/", f"{BASE}/orphan.html", f"{BASE}/private/secret.html"]
    assert all(r.callback == s.parse_page and r.meta["depth_reset"] for r in pages)


def test_gzipped_sitemap_is_read(tmp_path):
    import gzip

    s = spider(tmp_path)
    request = s.sitemap_request(f"{BASE}/sitemap-news.xml.gz")
    response = Response(request.url, body=gzip.compress(site_file("sitemap-news.xml")), request=request)
    assert [r.url for r in requests_of(s.parse_sitemap(response))] == [f"{BASE}/news/archive-2015.html"]


def test_a_guessed_sitemap_that_is_not_one_is_quiet_a_named_one_is_an_error(tmp_path):
    s = spider(tmp_path)
    guessed = Request(f"{BASE}/sitemap.xml", meta={"winnow_optional": True})
    html = response_from_file("site/index.html", guessed.url, request=guessed)
    assert list(s.parse_sitemap(html)) == []
    named = Request(f"{BASE}/sitemap-news.xml", meta={"winnow_optional": False})
    (error,) = list(s.parse_sitemap(response_from_file("site/index.html", named.url, request=named)))
    assert isinstance(error, ErrorItem) and error.stage == "sitemap" and error.url == named.url


def test_fetch_errors_become_error_items_missing_optional_files_do_not(tmp_path):
    s = spider(tmp_path)
    request = s.page_request(f"{BASE}/gone.html")
    failure = failure_for(request, HttpError(Response(request.url, status=404, request=request)))
    (error,) = list(s.on_error(failure))
    assert (error.url, error.stage, error.message, error.source) == (request.url, "fetch", "HTTP 404", "site")
    robots = Request(f"{BASE}/robots.txt", meta={"winnow_stage": "robots", "winnow_optional": True})
    assert list(s.on_error(failure_for(robots, HttpError(Response(robots.url, status=404, request=robots))))) == []


# --- a real crawl of the loopback site -------------------------------------------------------

class SiteHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        self.server.requests.append((self.headers.get("Host", ""), self.path))
        path = urlsplit(self.path).path
        file = (SITE / path.lstrip("/")).resolve()
        if file != SITE and SITE not in file.parents:
            return self._send(404, b"not found", "text/plain")
        if file.is_dir():
            if not path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            file = file / "index.html"
        if not file.is_file():
            return self._send(404, b"<html><body>Not found</body></html>", "text/html")
        content_type = "application/pdf" if file.name == "brochure" else TYPES.get(file.suffix, "application/octet-stream")
        body = file.read_bytes()
        if not content_type.endswith("pdf"):
            body = body.replace(b"@PORT@", str(self.server.server_port).encode())
        return self._send(200, body, content_type)

    def _send(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SiteHandler)
    server.requests = []
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    stopper = threading.Timer(600, server.shutdown)  # stops by itself whatever happens to the tests
    stopper.daemon = True
    stopper.start()
    try:
        yield server
    finally:
        stopper.cancel()
        server.shutdown()
        server.server_close()


def crawl(server, tmp_path, *arguments):
    server.requests.clear()
    port = server.server_port
    command = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"url=http://127.0.0.1:{port}/",
               *[x for a in arguments for x in ("-a", a)],
               "-s", f"WINNOW_DB={tmp_path}/w.db", "-s", f"WINNOW_WARC_DIR={tmp_path}/warcs",
               "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_ENABLED=False"]
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=180,
                            env={**os.environ, "PYTHONPATH": str(PROJECT)})
    assert result.returncode == 0, result.stderr[-3000:]
    requested = list(server.requests)
    with sqlite3.connect(tmp_path / "w.db") as conn:
        stored = sorted(urlsplit(url).path for (url,) in conn.execute(
            "select c.original_url from documents d join captures c using (capture_id)"))
        archives = {row for row in conn.execute("select archive, collection from captures")}
    return requested, stored, archives, result.stderr


PAGES = {"/", "/about.html", "/team.html", "/history.html", "/orphan.html", "/news/", "/news/archive-2015.html",
         "/private/secret.html", "/files/brochure", "/report.pdf"}


def page_paths(requested):
    return [path for _, path in requested if path in PAGES or path.startswith("/elsewhere")]


def test_crawl_with_defaults_follows_sitemaps_and_links_within_the_rules(site_server, tmp_path):
    requested, stored, archives, log = crawl(site_server, tmp_path)
    hosts = {host for host, _ in requested}
    paths = [path for _, path in requested]
    assert hosts == {f"127.0.0.1:{site_server.server_port}"}  # the localhost links were never followed
    crawled = [line for line in log.splitlines() if "Crawled (" in line]
    assert crawled and not [line for line in crawled if "localhost" in line]  # not even tried elsewhere
    assert "/private/secret.html" not in paths  # disallowed by robots.txt, though linked and in the sitemap
    assert "/report.pdf" not in paths  # binary extension: never requested
    assert "/history.html" not in paths  # depth 3 > default depth 2
    for sitemap in ("/robots.txt", "/sitemap.xml", "/sitemap-pages.xml", "/sitemap-news.xml"):
        assert sitemap in paths
    assert "/orphan.html" in paths and "/news/archive-2015.html" in paths  # only the sitemaps list them
    assert len(page_paths(requested)) == len(set(page_paths(requested)))  # no page fetched twice
    # the brochure (a PDF behind an extensionless link) was fetched but not stored
    assert "/files/brochure" in paths
    assert stored == ["/", "/about.html", "/news/", "/news/archive-2015.html", "/orphan.html", "/team.html"]
    assert archives == {("live", None)}
    assert "robotstxt/forbidden" in log


def test_crawl_depth_one_without_sitemaps(site_server, tmp_path):
    requested, stored, _, _ = crawl(site_server, tmp_path, "depth=1", "sitemap=false")
    paths = {path for _, path in requested}
    assert not paths & {"/sitemap.xml", "/sitemap-pages.xml", "/sitemap-news.xml", "/orphan.html",
                        "/news/archive-2015.html", "/team.html", "/history.html", "/private/secret.html"}
    assert stored == ["/", "/about.html", "/news/"]


def test_crawl_stops_at_max_pages(site_server, tmp_path):
    requested, stored, _, _ = crawl(site_server, tmp_path, "max_pages=2", "sitemap=false")
    assert len(page_paths(requested)) == 2
    assert stored == ["/", "/about.html"]
