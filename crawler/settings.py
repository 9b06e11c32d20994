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

# Politeness towards archives that rate-limit (crawler/middlewares.py). In the response chain Scrapy
# calls the higher number first: the guard counts every 429, then RetryAfter, then Scrapy's Retry (550).
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.RetryAfterMiddleware": 560,
    "crawler.middlewares.RateLimitGuardMiddleware": 570,
}
# Honour Retry-After (seconds or HTTP date) on these answers: hold the request's whole download slot
# that long, then retry. Scrapy's RetryMiddleware ignores the header (scrapy issue 3849).
WINNOW_RETRY_AFTER_ENABLED = True
WINNOW_RETRY_AFTER_HTTP_CODES = [429, 503]
WINNOW_RETRY_AFTER_MAX = 600  # longest hold, seconds; longer asks are capped
WINNOW_RETRY_AFTER_TIMES = 3  # Retry-After retries per request, then RetryMiddleware as usual
# Repeated 429s from one slot: double its delay, then stop the crawl (finish_reason "rate_limited")
# with an error naming the host, rather than hammer it or end as if done.
WINNOW_429_GUARD_ENABLED = True
WINNOW_429_BACKOFF_AFTER = 2  # consecutive 429s before the slot delay starts doubling (floor 1 s)
WINNOW_429_MAX_DELAY = 300  # ceiling of the backed-off delay, seconds
WINNOW_429_STOP_AFTER = 6  # consecutive 429s that stop the crawl

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
WINNOW_WARC_MAX_BYTES = 1_000_000_000  # a new WARC file once one reaches this size (0: never)

# Archive endpoints; spiders take `-a endpoint=` to point elsewhere (mirrors, the loopback archive).
WINNOW_ARCHIVEIT_ENDPOINT = "https://wayback.archive-it.org"
WINNOW_WAYBACK_ENDPOINT = "https://web.archive.org"
# Archive-It WASAPI (`scrapy crawl archiveit -a collection=N -a mode=wasapi`): the partner API that
# lists a collection's WARC files (`-a wasapi_endpoint=` overrides), and the folder the verified
# files are downloaded to and read from (`-a download_dir=` overrides). Credentials: WASAPI_USER and
# WASAPI_PASSWORD in the environment, or ~/.netrc (crawler/wasapi.py).
WINNOW_WASAPI_ENDPOINT = "https://partner.archive-it.org/wasapi/v1"
WINNOW_WASAPI_DIR = "wasapi"
# Replay modifier for fetching captures: "id_" gives the bytes as archived, without banner or link
# rewriting; "" gives the page as a reader sees it (the extractor strips the archive's insert).
WINNOW_REPLAY_MODIFIER = "id_"
# CDX rows per request (paged with a resume key); 0 asks for everything at once.
WINNOW_CDX_PAGE_SIZE = 1000
# Skip captures whose key is already stored in WINNOW_DB (incremental crawling).
WINNOW_SKIP_STORED = True

FEED_EXPORT_ENCODING = "utf-8"
