"""Downloader middlewares that keep winnow polite with archives that rate-limit or misbehave.

Two small middlewares, one concern each, both switched by settings (defaults below):

RetryAfterMiddleware (position 560, after Scrapy's RetryMiddleware at 550 in the response chain)
    A 429 or 503 answer with a `Retry-After` header (seconds, or an HTTP date) holds back the
    request's whole download slot for that long, then retries the request. Scrapy's own
    RetryMiddleware ignores Retry-After (scrapy issue 3849) and retries at the slot's normal pace.

    WINNOW_RETRY_AFTER_ENABLED     True        switch the middleware off
    WINNOW_RETRY_AFTER_HTTP_CODES  [429, 503]  answers whose Retry-After is honoured
    WINNOW_RETRY_AFTER_MAX         600         longest hold in seconds (longer asks are capped)
    WINNOW_RETRY_AFTER_TIMES       3           Retry-After retries per request; then the answer
                                               goes on to RetryMiddleware (RETRY_TIMES) as usual

    How the slot is held: Scrapy's downloader already has a per-slot timer, `slot.latercall`, the
    one it uses to wait out DOWNLOAD_DELAY. While it is pending, `Downloader._process_queue` sends
    nothing from that slot, whatever the slot's delay (also with DOWNLOAD_DELAY = 0). The middleware
    replaces that timer with one that fires after the Retry-After period and calls the downloader's
    own `_latercall`, so the queue resumes at the slot's normal delay: `slot.delay` is never touched
    and nothing stays slow afterwards. `slot.lastseen` is moved to the end of the hold, which keeps
    the downloader's idle-slot collector (which would cancel the timer) away from a held slot and
    makes the normal delay count from the end of the hold.

RateLimitGuardMiddleware (position 570: sees every answer before RetryAfterMiddleware and
Scrapy's RetryMiddleware, which lets it count every 429)
    Counts consecutive 429 answers per download slot; any other answer resets the count.
    From the WINNOW_429_BACKOFF_AFTER-th consecutive 429 on, the slot's delay doubles (at least
    1 s, at most WINNOW_429_MAX_DELAY); later non-429 answers halve it back to where it was.
    At WINNOW_429_STOP_AFTER consecutive 429s the crawl stops with finish_reason "rate_limited"
    (engine.close_spider_async) and an error naming the host: an archive that keeps answering 429
    is blocking us, going on would only prolong the block, and finishing "as if done" would hide
    the missing captures.
    A 429 without a usable Retry-After is retried by this middleware (at most STOP_AFTER times per
    request; the slot's backed-off delay is the wait), so a rate-limited request ends in a capture,
    in the stop, or, when its 429s are interleaved with other requests' successes, in an `errors`
    row, not in a quiet give-up after RETRY_TIMES. At the stop, requests waiting in that slot and
    requests that still try to enter the downloader fail with IgnoreRequest (the spider's errback
    records them in `errors`); requests still in Scrapy's scheduler are dropped by the close.
    Nothing was stored for any of them, so the next run (which skips stored captures) asks again.

    WINNOW_429_GUARD_ENABLED   True  switch the middleware off
    WINNOW_429_BACKOFF_AFTER   2     consecutive 429s of a slot before its delay starts doubling
    WINNOW_429_MAX_DELAY       300   ceiling of the backed-off slot delay, seconds
    WINNOW_429_STOP_AFTER      6     consecutive 429s of a slot that stop the crawl

Stats: winnow/429 (429 answers seen), winnow/backoff (429s answered by doubling a slot's delay),
winnow/retry_after (requests retried after a Retry-After hold), winnow/429_retry (429s retried by
the guard), winnow/rate_limited_stop (1 when the guard stopped the crawl).

Time is injected (`clock`: wall time for HTTP dates, `monotonic`: the downloader's clock,
`call_later`: the timer), so tests run with a fake clock and no sleeps.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import timezone
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.asyncio import call_later as scrapy_call_later
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

RETRY_AFTER_META = "winnow_retry_after_times"  # Retry-After retries done for this request
GUARD_RETRY_META = "winnow_429_retries"  # 429 retries done by the guard for this request
MIN_BACKOFF_DELAY = 1.0  # a slot without delay backs off to 1 s, then 2, 4, ...


def retry_after_seconds(value, now: float | None = None) -> float | None:
    """Seconds to wait according to a Retry-After header value, or None when it is unusable.

    `value` is delay-seconds ("120") or an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"), as str or
    bytes. A date is compared with `now` (Unix time, default time.time()); a date in the past
    gives 0. Negative or unparsable values give None.
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = str(value).strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # HTTP dates are GMT
        when = when.replace(tzinfo=timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _slot_key(request, downloader) -> str:
    key = request.meta.get("download_slot")
    if key is None and downloader is not None:
        key = downloader.get_slot_key(request)
    return key if key is not None else (urlsplit(request.url).hostname or "")


def _downloader(crawler):
    engine = getattr(crawler, "engine", None)
    return getattr(engine, "downloader", None)


class RetryAfterMiddleware:
    """Honour Retry-After on 429/503: hold the request's download slot that long, then retry."""

    def __init__(self, crawler, *, clock=time.time, monotonic=time.monotonic, call_later=scrapy_call_later):
        settings = crawler.settings
        if not settings.getbool("WINNOW_RETRY_AFTER_ENABLED", True):
            raise NotConfigured("WINNOW_RETRY_AFTER_ENABLED is off")
        self.crawler = crawler
        self.stats = crawler.stats
        self.http_codes = {int(x) for x in settings.getlist("WINNOW_RETRY_AFTER_HTTP_CODES", [429, 503])}
        self.max_wait = settings.getfloat("WINNOW_RETRY_AFTER_MAX", 600.0)
        self.max_times = settings.getint("WINNOW_RETRY_AFTER_TIMES", 3)
        self.clock = clock
        self.monotonic = monotonic
        self.call_later = call_later
        self.held_until: dict[str, float] = {}  # slot key -> monotonic end of its hold

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if response.status not in self.http_codes or request.meta.get("dont_retry"):
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"), now=self.clock())
        done = request.meta.get(RETRY_AFTER_META, 0)
        if wait is None or done >= self.max_times:
            return response  # RetryMiddleware decides, as usual
        wait = min(wait, self.max_wait)
        downloader = _downloader(self.crawler)
        key = _slot_key(request, downloader)
        if wait > 0:
            self.hold_slot(downloader, key, wait)
        self.stats.inc_value("winnow/retry_after")
        logger.info("%s answered %d with Retry-After %s: holding download slot %r for %.1f s, then retrying %s",
                    urlsplit(request.url).netloc, response.status,
                    response.headers.get(b"Retry-After", b"").decode("latin-1"), key, wait, request.url)
        retry = request.replace(dont_filter=True)
        retry.meta[RETRY_AFTER_META] = done + 1
        return retry

    def hold_slot(self, downloader, key: str, seconds: float) -> bool:
        """Send nothing from download slot `key` for `seconds`; False when the slot is unknown."""
        slot = getattr(downloader, "slots", {}).get(key)
        if slot is None:
            return False
        now = self.monotonic()
        until = now + seconds
        if self.held_until.get(key, 0.0) >= until and slot.latercall is not None:
            return True  # already held at least that long
        if slot.latercall is not None:
            slot.latercall.cancel()
        # When the timer fires, the downloader's own resume function clears it and sends the
        # queue at the slot's normal delay (counted from the end of the hold, see lastseen).
        slot.latercall = self.call_later(seconds, downloader._latercall, slot)
        slot.lastseen = max(slot.lastseen, until - slot.delay)
        self.held_until[key] = until
        return True


@dataclass
class _SlotState:
    consecutive_429: int = 0
    base_delay: float | None = None  # slot delay before the backoff started


class RateLimitGuardMiddleware:
    """Back off a slot after repeated 429s; stop the crawl ("rate_limited") when they go on."""

    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.getbool("WINNOW_429_GUARD_ENABLED", True):
            raise NotConfigured("WINNOW_429_GUARD_ENABLED is off")
        self.crawler = crawler
        self.stats = crawler.stats
        self.backoff_after = settings.getint("WINNOW_429_BACKOFF_AFTER", 2)
        self.max_delay = settings.getfloat("WINNOW_429_MAX_DELAY", 300.0)
        self.stop_after = settings.getint("WINNOW_429_STOP_AFTER", 6)
        self.retry_after_times = settings.getint("WINNOW_RETRY_AFTER_TIMES", 3)
        self.retry_after_codes = {int(x) for x in settings.getlist("WINNOW_RETRY_AFTER_HTTP_CODES", [429, 503])}
        self.retry_after_on = settings.getbool("WINNOW_RETRY_AFTER_ENABLED", True)
        self.priority_adjust = settings.getint("RETRY_PRIORITY_ADJUST", -1)
        self.slots: dict[str, _SlotState] = {}
        self.stopped = False
        self.stopped_by: str | None = None  # host whose 429s stopped the crawl
        self._closing = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        if self.stopped:  # the crawl is closing: nothing new goes out
            raise IgnoreRequest(f"not fetched: crawl stopped, rate limited by {self.stopped_by}")
        return None

    def process_response(self, request, response):
        downloader = _downloader(self.crawler)
        key = _slot_key(request, downloader)
        slot = getattr(downloader, "slots", {}).get(key)
        state = self.slots.setdefault(key, _SlotState())
        if response.status != 429:
            self._recover(state, slot)
            return response

        self.stats.inc_value("winnow/429")
        state.consecutive_429 += 1
        host = urlsplit(request.url).netloc
        if state.consecutive_429 >= self.stop_after:
            self._stop(host, key, slot, state.consecutive_429)
            raise IgnoreRequest(f"rate limited by {host}: {state.consecutive_429} answers 429 in a row, crawl stopped")
        if state.consecutive_429 >= self.backoff_after:
            self._back_off(state, slot, key, host)
        if self._retry_after_will_retry(request, response) or request.meta.get("dont_retry"):
            return response
        done = request.meta.get(GUARD_RETRY_META, 0)
        if done >= self.stop_after:
            return response
        self.stats.inc_value("winnow/429_retry")
        retry = request.replace(dont_filter=True, priority=request.priority + self.priority_adjust)
        retry.meta[GUARD_RETRY_META] = done + 1
        return retry

    def _retry_after_will_retry(self, request, response) -> bool:
        return (self.retry_after_on and response.status in self.retry_after_codes
                and retry_after_seconds(response.headers.get(b"Retry-After")) is not None
                and request.meta.get(RETRY_AFTER_META, 0) < self.retry_after_times)

    def _back_off(self, state: _SlotState, slot, key: str, host: str) -> None:
        self.stats.inc_value("winnow/backoff")
        if slot is None:
            return
        if state.base_delay is None:
            state.base_delay = slot.delay
        new_delay = min(self.max_delay, max(slot.delay * 2, MIN_BACKOFF_DELAY))
        if new_delay > slot.delay:
            slot.delay = new_delay
        logger.warning("%s answered 429 %d times in a row: download slot %r now waits %.1f s between requests",
                       host, state.consecutive_429, key, slot.delay)

    @staticmethod
    def _recover(state: _SlotState, slot) -> None:
        state.consecutive_429 = 0
        if state.base_delay is None or slot is None:
            return
        slot.delay = max(state.base_delay, slot.delay / 2)
        if slot.delay <= state.base_delay:
            state.base_delay = None

    def _stop(self, host: str, key: str, slot, count: int) -> None:
        if self.stopped:
            return
        self.stopped = True
        self.stopped_by = host
        self.stats.set_value("winnow/rate_limited_stop", 1)
        logger.error("%s answered 429 (too many requests) %d times in a row: stopping the crawl "
                     "(finish reason rate_limited). The archive is limiting or blocking this address; "
                     "try again later (archive.org blocks for several minutes), with a larger "
                     "DOWNLOAD_DELAY or fewer URLs per run.", host, count)
        if slot is not None:  # requests already waiting in this slot would keep asking: drop them
            waiting = list(slot.queue)
            slot.queue.clear()
            logger.info("dropping %d requests waiting in download slot %r", len(waiting), key)
            for _request, deferred in waiting:
                deferred.errback(IgnoreRequest(f"not fetched: crawl stopped, rate limited by {host}"))
        engine = getattr(self.crawler, "engine", None)
        if engine is not None:
            # Scheduled, not awaited: closing waits for the request being processed right now.
            self._closing = deferred_from_coro(engine.close_spider_async(reason="rate_limited"))
