"""Run configured sources in this process: progress as items pass, a `runs` row per source,
and a summary of what each did."""
from __future__ import annotations

import asyncio
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from crawler.items import CaptureItem, ErrorItem
from winnow import db as storage
from winnow.config import Source

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
DEMO_CONFIG = DATA_DIR / "sources.demo.toml"
SAMPLE_ARCHIVE = DATA_DIR / "archive"

# Settings for crawling the loopback archive: it is ours, on this machine, so no politeness delays.
LOOPBACK_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_SLOTS": {"cdx": {"concurrency": 1, "delay": 0}},
    "RETRY_TIMES": 0,
}


@dataclass
class CrawlSummary:
    pages: int = 0
    stored: int = 0
    unchanged: int = 0
    already_stored: int = 0
    errors: int = 0
    removed: Counter = field(default_factory=Counter)
    finish_reasons: dict[str, str] = field(default_factory=dict)

    @property
    def failed_sources(self) -> list[str]:
        return [name for name, reason in self.finish_reasons.items() if reason != "finished"]


def project_settings(overrides: dict):
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    return settings


def with_endpoint(source: Source, endpoint: str) -> Source:
    """The source pointed at `endpoint` when it asks for the loopback archive."""
    if not source.uses_loopback:
        return source
    return Source(source.name, source.spider, {**source.arguments, "endpoint": endpoint}, source.enabled)


def run_crawl(sources: list[Source], settings, progress=None) -> CrawlSummary:
    """Crawl the sources in one process, recording a `runs` row for each; `progress(summary)`
    is called as items pass."""
    summary = CrawlSummary()
    run_id = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{os.getpid()}"
    db = storage.open_db(settings.get("WINNOW_DB"))
    for source in sources:
        storage.start_run(db, run_id, source.name, source.spider)
    process = CrawlerProcess(settings)
    crawlers, start_errors = [], {}

    def on_item(item, response=None, spider=None):
        if isinstance(item, CaptureItem):
            summary.pages += 1
        elif isinstance(item, ErrorItem):
            summary.errors += 1
        if progress:
            progress(summary)

    for source in sources:
        refusal = _refusal(process, source)
        if refusal:  # a spider that refuses its arguments is not started; the others run
            start_errors[source.name] = refusal
            continue
        crawler = process.create_crawler(source.spider)
        crawler.signals.connect(on_item, signal=signals.item_scraped)
        crawlers.append((source, crawler))
        process.crawl(crawler, **source.arguments).addErrback(
            lambda failure, name=source.name: start_errors.setdefault(name, failure.getErrorMessage()))
    if crawlers:
        process.start()


    summary.errors = 0  # recount from stats, which also cover errors not passed as items
    started = dict((source.name, crawler) for source, crawler in crawlers)
    for source in sources:
        stats = _stats(started[source.name]) if source.name in started else {}
        reason = stats.get("finish_reason") or f"failed to start: {start_errors.get(source.name, 'unknown error')}"
        figures = {
            "pages_seen": stats.get("item_scraped_count", 0) - stats.get("winnow/errors", 0),
            "new": stats.get("winnow/documents_stored", 0),
            "unchanged": stats.get("winnow/unchanged", 0) + stats.get("winnow/captures_already_stored", 0),
            "failed": stats.get("winnow/errors", 0) + (0 if stats.get("finish_reason") else 1),
            "finish_reason": reason,
        }
        storage.finish_run(db, run_id, source.name, **figures)
        summary.stored += figures["new"]
        summary.unchanged += stats.get("winnow/unchanged", 0)
        summary.already_stored += stats.get("winnow/captures_already_stored", 0)
        summary.errors += figures["failed"]
        for key, value in stats.items():
            if key.startswith("winnow/removed/"):
                summary.removed[key.removeprefix("winnow/removed/")] += value
        summary.finish_reasons[source.name] = reason
    db.close()
    return summary


def _refusal(process: CrawlerProcess, source: Source) -> str | None:
    """Why the source's spider refuses its arguments, or None: checked before the reactor starts."""
    try:
        process.spider_loader.load(source.spider)(**source.arguments)
    except Exception as error:  # noqa: BLE001 - any refusal is reported as the source's failure
        return f"{type(error).__name__}: {error}"
    return None


def _stats(crawler) -> dict:
    try:
        return crawler.stats.get_stats()
    except RuntimeError:  # the crawl never started (e.g. the spider refused its arguments)
        return {}


def planned_requests(source: Source, settings, limit: int = 20) -> list[str]:
    """What a source would fetch first, without fetching: its start requests (or items, for
    spiders that read local files), as lines of text."""
    from scrapy.crawler import Crawler
    from scrapy.spiderloader import get_spider_loader

    spider_class = get_spider_loader(settings).load(source.spider)
    crawler = Crawler(spider_class, settings)  # not started: no reactor, no downloads
    spider = spider_class.from_crawler(crawler, **source.arguments)

    async def first():
        lines = []
        async for output in spider.start():
            lines.append(getattr(output, "url", None) or getattr(output, "fetched_url", None) or repr(output))
            if len(lines) >= limit:
                break
        return lines

    return asyncio.run(first())
