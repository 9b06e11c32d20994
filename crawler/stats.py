"""Counting into Scrapy's stats from spiders that may also run without a started crawl."""
from __future__ import annotations


def inc_stat(spider, key: str, count: int = 1) -> None:
    """Add to a stat; a spider built but not crawling (a dry run) has no stats and counts nothing."""
    try:
        stats = spider.crawler.stats
    except (AttributeError, RuntimeError):
        return
    stats.inc_value(key, count)
