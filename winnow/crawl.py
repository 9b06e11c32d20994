"""Run spiders in this process with a progress display, and sum up what they did."""
from __future__ import annotations

import os
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from crawler.items import CaptureItem, ErrorItem

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
DEMO_SOURCES = DATA_DIR / "sources.demo.toml"
SAMPLE_ARCHIVE = DATA_DIR / "archive"

# Settings for crawling the loopback archive: it is ours, on this machine, so no politeness delays.
LOOPBACK_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_SLOTS": {"cdx": {"concurrency": 1, "delay": 0}},
    "RETRY_TIMES": 0,
}


@dataclass
class Source:
    name: str
    spider: str
    arguments: dict


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


def load_sources(path: Path, endpoint: str | None = None) -> list[Source]:
    with open(path, "rb") as handle:
        config = tomllib.load(handle)
    sources = []
    for entry in config.get("source", []):
        entry = dict(entry)
        name, spider = entry.pop("name"), entry.pop("spider")
        if isinstance(entry.get("url"), list):
            entry["url"] = ",".join(entry["url"])
        if endpoint:
            entry["endpoint"] = endpoint
        sources.append(Source(name, spider, {k: str(v) for k, v in entry.items()}))
    return sources


def project_settings(overrides: dict) -> dict:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    return settings


def run_crawl(sources: list[Source], settings, progress=None) -> CrawlSummary:
    """Crawl the sources one after another in one process; `progress(summary)` is called as items pass."""
    summary = CrawlSummary()
    process = CrawlerProcess(settings)
    crawlers = []

    def on_item(item, response=None, spider=None):
        if isinstance(item, CaptureItem):
            summary.pages += 1
        elif isinstance(item, ErrorItem):
            summary.errors += 1
        if progress:
            progress(summary)

    for source in sources:
        crawler = process.create_crawler(source.spider)
        crawler.signals.connect(on_item, signal=signals.item_scraped)
        crawlers.append((source, crawler))
        process.crawl(crawler, **source.arguments)
    process.start()

    summary.errors = 0  # recount from stats, which also cover errors not passed as items
    for source, crawler in crawlers:
        stats = crawler.stats.get_stats()
        summary.stored += stats.get("winnow/documents_stored", 0)
        summary.unchanged += stats.get("winnow/unchanged", 0)
        summary.already_stored += stats.get("winnow/captures_already_stored", 0)
        summary.errors += stats.get("winnow/errors", 0)
        for key, value in stats.items():
            if key.startswith("winnow/removed/"):
                summary.removed[key.removeprefix("winnow/removed/")] += value
        summary.finish_reasons[source.name] = stats.get("finish_reason", "not started")
    return summary
