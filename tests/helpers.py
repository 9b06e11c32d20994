"""Test helpers: turn fixture files into Scrapy responses, build spiders with test settings."""
from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

FIXTURES = Path(__file__).parent / "fixtures"


def response_from_file(name: str, url: str, request: Request | None = None, status: int = 200):
    """A Scrapy response whose body is the fixture file `name` (relative to tests/fixtures)."""
    body = (FIXTURES / name).read_bytes()
    request = request or Request(url)
    cls = HtmlResponse if name.endswith((".html", ".htm")) else TextResponse
    return cls(url=url, request=request, body=body, status=status, encoding="utf-8")


def make_spider(spider_cls, settings: dict | None = None, **arguments):
    """A spider bound to a crawler with the project's settings plus `settings`."""
    from crawler import settings as project_settings

    base = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    base.update(settings or {})
    crawler = get_crawler(spider_cls, base)
    crawler._apply_settings()
    spider = spider_cls.from_crawler(crawler, **arguments)
    crawler.spider = spider
    return spider
