"""Scrapy settings for winnow. Every setting here has a documented default; switch behaviour by
settings (`-s NAME=VALUE`, `custom_settings`, the `winnow` CLI), not by code edits."""
import os

BOT_NAME = "winnow"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Identify the project and give archives a way to reach the operator.
WINNOW_CONTACT = os.environ.get("WINNOW_CONTACT", "set WINNOW_CONTACT to an e-mail or URL")
USER_AGENT = f"winnow/0.1 (research harvester of institute web archives; contact: {WINNOW_CONTACT})"

# Archive replay paths are not the archived site's own: robots.txt of the site does not apply to
# them, and the archives' CDX endpoints are meant for clients. Live-site spiders turn this on.
ROBOTSTXT_OBEY = False

# Politeness for pages: adaptive delay, few parallel requests per host.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60

# CDX calls get their own download slot: archive.org answers 429 and blocks an IP for minutes
# above ~30 calls/minute, so one at a time, 2 s apart.
WINNOW_CDX_SLOT = "cdx"
DOWNLOAD_SLOTS = {WINNOW_CDX_SLOT: {"concurrency": 1, "delay": 2.0, "randomize_delay": False}}

# Never cache rate-limit or server errors if the HTTP cache is turned on.
HTTPCACHE_ENABLED = False
HTTPCACHE_IGNORE_HTTP_CODES = [429, 500, 502, 503, 504]

RETRY_ENABLED = True
RETRY_TIMES = 2

# Scheduled, unattended runs: no remote-control port, no telnet console.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

ITEM_PIPELINES = {
    "pipelines.warc.WarcWriterPipeline": 100,  # keep the raw bytes first
    "pipelines.extract.ExtractPipeline": 200,
    "pipelines.store.SqliteStorePipeline": 300,
}

# Where things go. Relative paths are relative to the working directory.
WINNOW_DB = "winnow.db"  # SQLite database researchers query
WINNOW_WARC_DIR = "warcs"  # raw captures, one WARC file per crawl run
WINNOW_WARC_ENABLED = True

# Archive endpoints; spiders take `-a endpoint=` to point elsewhere (mirrors, the loopback archive).
WINNOW_ARCHIVEIT_ENDPOINT = "https://wayback.archive-it.org"
WINNOW_WAYBACK_ENDPOINT = "https://web.archive.org"
# Replay modifier for fetching captures: "id_" gives the bytes as archived, without banner or link
# rewriting; "" gives the page as a reader sees it (the extractor strips the archive's insert).
WINNOW_REPLAY_MODIFIER = "id_"
# CDX rows per request (paged with a resume key); 0 asks for everything at once.
WINNOW_CDX_PAGE_SIZE = 1000
# Skip captures whose key is already stored in WINNOW_DB (incremental crawling).
WINNOW_SKIP_STORED = True

FEED_EXPORT_ENCODING = "utf-8"
