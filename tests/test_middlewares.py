"""Unit tests of crawler.middlewares with a fake clock, fake timers and real Scrapy download slots:
no network, no sleeps."""
from __future__ import annotations

import logging
from email.utils import formatdate

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.extensions.httpcache import DummyPolicy
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred

from crawler.middlewares import (
    GUARD_RETRY_META,
    RETRY_AFTER_META,
    RateLimitGuardMiddleware,
    RetryAfterMiddleware,
    retry_after_seconds,
)

NOW = 1_700_000_000.0  # fake wall clock (Unix time)
MONO = 5_000.0  # fake monotonic clock


# --- fakes ---------------------------------------------------------------------------------

class FakeTimer:
    def __init__(self, delay, func, args):
        self.delay, self.func, self.args, self.cancelled = delay, func, args, False

    def cancel(self):
        self.cancelled = True

    def fire(self):
        self.func(*self.args)


class FakeCallLater:
    def __init__(self):
        self.timers: list[FakeTimer] = []

    def __call__(self, delay, func, *args):
        timer = FakeTimer(delay, func, args)
        self.timers.append(timer)
        return timer


class FakeDownloader:
    """The parts of scrapy.core.downloader.Downloader the middlewares use."""

    def __init__(self, **slots: Slot):
        self.slots = dict(slots)
        self.resumed: list[Slot] = []

    def get_slot_key(self, request):
        return request.meta.get("download_slot") or "example.org"

    def _latercall(self, slot):  # what the real one does: clear the timer, send the queue
        slot.latercall = None
        self.resumed.append(slot)


class FakeEngine:
    def __init__(self, downloader):
        self.downloader = downloader
        self.close_reasons: list[str] = []

    def close_spider_async(self, *, reason="cancelled"):
        self.close_reasons.append(reason)  # not a coroutine: deferred_from_coro returns it as is


def make_crawler(settings=None, **slots):
    crawler = get_crawler(settings_dict=settings or {})
    crawler._apply_settings()
    crawler.engine = FakeEngine(FakeDownloader(**slots))
    return crawler


def slot(delay=0.0, concurrency=1):
    return Slot(concurrency, delay, 0.0)


def request(url="http://example.org/page", slot_key="example.org", **meta):
    return Request(url, meta={"download_slot": slot_key, **meta})


def answer(req, status, retry_after=None):
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Response(req.url, status=status, headers=headers, request=req)


def retry_after_mw(crawler, clock=lambda: NOW, monotonic=lambda: MONO):
    timers = FakeCallLater()
    return RetryAfterMiddleware(crawler, clock=clock, monotonic=monotonic, call_later=timers), timers


# --- retry_after_seconds -------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("120", 120.0), (" 0 ", 0.0), ("1.5", 1.5), (b"3", 3.0),
    ("-1", None), ("soon", None), ("", None), (None, None), ("nan", None), ("inf", None),
])
def test_retry_after_seconds_reads_delay_seconds(value, expected):
    assert retry_after_seconds(value, now=NOW) == expected


def test_retry_after_seconds_reads_http_dates_against_now():
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    at = 1445412480.0  # that instant in Unix time
    assert retry_after_seconds(date, now=at - 30) == pytest.approx(30)
    assert retry_after_seconds(date.encode(), now=at - 30) == pytest.approx(30)
    assert retry_after_seconds(date, now=at + 30) == 0.0  # in the past: go now
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00", now=at - 1) == pytest.approx(1)  # no zone: GMT
    assert retry_after_seconds("Wed, 99 Foo 2015 07:28:00 GMT", now=at) is None


@given(st.integers(min_value=0, max_value=10**7))
def test_retry_after_seconds_round_trips_integers(seconds):
    assert retry_after_seconds(str(seconds), now=NOW) == seconds


@given(st.integers(min_value=0, max_value=10**6))
def test_retry_after_seconds_round_trips_http_dates(seconds):
    assert retry_after_seconds(formatdate(NOW + seconds, usegmt=True), now=NOW) == pytest.approx(seconds)


# --- RetryAfterMiddleware ------------------------------------------------------------------

def test_retry_after_holds_the_slot_then_resumes_at_its_normal_delay():
    cdx = slot(delay=2.0)
    crawler = make_crawler(cdx=cdx)
    mw, timers = retry_after_mw(crawler)
    req = request("http://archive.test/cdx?url=x", "cdx")

    retry = mw.process_response(req, answer(req, 429, "30"))

    assert isinstance(retry, Request) and retry.url == req.url and retry.dont_filter
    assert retry.meta[RETRY_AFTER_META] == 1 and retry.meta["download_slot"] == "cdx"
    (timer,) = timers.timers
    assert timer.delay == 30 and cdx.latercall is timer  # the downloader sends nothing while it is pending
    assert cdx.delay == 2.0  # the slot's own delay is not touched
    assert cdx.lastseen == MONO + 30 - 2.0  # normal delay counts from the end of the hold
    timer.fire()
    assert crawler.engine.downloader.resumed == [cdx] and cdx.latercall is None
    assert crawler.stats.get_value("winnow/retry_after") == 1


def test_retry_after_http_date_uses_the_wall_clock():
    s = slot()
    crawler = make_crawler(**{"example.org": s})
    mw, timers = retry_after_mw(crawler, clock=lambda: NOW)
    req = request()
    mw.process_response(req, answer(req, 503, formatdate(NOW + 7, usegmt=True)))
    assert timers.timers[0].delay == pytest.approx(7)


def test_retry_after_is_capped():
    s = slot()
    crawler = make_crawler({"WINNOW_RETRY_AFTER_MAX": 45}, **{"example.org": s})
    mw, timers = retry_after_mw(crawler)
    req = request()
    assert isinstance(mw.process_response(req, answer(req, 429, "86400")), Request)
    assert timers.timers[0].delay == 45


def test_retry_after_default_cap_is_ten_minutes():
    crawler = make_crawler(**{"example.org": slot()})
    mw, timers = retry_after_mw(crawler)
    req = request()
    mw.process_response(req, answer(req, 429, "86400"))
    assert timers.timers[0].delay == 600


def test_retry_after_zero_retries_without_holding():
    s = slot()
    crawler = make_crawler(**{"example.org": s})
    mw, timers = retry_after_mw(crawler)
    req = request()
    assert isinstance(mw.process_response(req, answer(req, 429, "0")), Request)
    assert timers.timers == [] and s.latercall is None


def test_retry_after_gives_up_after_its_times_and_leaves_the_rest_to_retry_middleware():
    crawler = make_crawler({"WINNOW_RETRY_AFTER_TIMES": 2}, **{"example.org": slot()})
    mw, _ = retry_after_mw(crawler)
    req = request()
    first = mw.process_response(req, answer(req, 429, "1"))
    second = mw.process_response(first, answer(first, 429, "1"))
    assert second.meta[RETRY_AFTER_META] == 2
    third = answer(second, 429, "1")
    assert mw.process_response(second, third) is third


@pytest.mark.parametrize("status, header, meta", [
    (200, "5", {}), (500, "5", {}), (404, "5", {}),  # not a 429/503
    (429, None, {}), (503, "whenever", {}),  # no usable header
    (429, "5", {"dont_retry": True}),
])
def test_retry_after_passes_other_answers_through(status, header, meta):
    crawler = make_crawler(**{"example.org": slot()})
    mw, timers = retry_after_mw(crawler)
    req = request(**meta)
    resp = answer(req, status, header)
    assert mw.process_response(req, resp) is resp
    assert timers.timers == []


def test_a_longer_hold_is_not_shortened_and_a_shorter_timer_is_replaced():
    s = slot(delay=1.0)
    crawler = make_crawler(**{"example.org": s})
    mw, timers = retry_after_mw(crawler)
    pending_delay_timer = FakeTimer(0.5, None, ())
    s.latercall = pending_delay_timer  # the downloader waiting out DOWNLOAD_DELAY
    req = request()
    mw.process_response(req, answer(req, 429, "60"))
    assert pending_delay_timer.cancelled and s.latercall is timers.timers[0]
    mw.process_response(req, answer(req, 429, "10"))  # a second, shorter ask while held
    assert len(timers.timers) == 1 and not timers.timers[0].cancelled


def test_retry_after_can_be_switched_off():
    with pytest.raises(NotConfigured):
        RetryAfterMiddleware.from_crawler(make_crawler({"WINNOW_RETRY_AFTER_ENABLED": False}))


def test_unknown_slot_still_retries():
    crawler = make_crawler()  # the slot was collected meanwhile
    mw, timers = retry_after_mw(crawler)
    req = request()
    assert isinstance(mw.process_response(req, answer(req, 429, "3")), Request)
    assert timers.timers == []


def test_scrapy_downloader_still_has_what_the_hold_relies_on():
    """The hold uses Slot.latercall/lastseen/delay/queue and Downloader._latercall/slots/get_slot_key:
    an upgrade of Scrapy that renames them must fail here, not silently stop honouring Retry-After."""
    s = slot()
    for name in ("latercall", "lastseen", "delay", "queue"):
        assert hasattr(s, name)
    for name in ("_latercall", "_process_queue", "get_slot_key"):
        assert callable(getattr(Downloader, name))
    import inspect

    source = inspect.getsource(Downloader._process_queue)
    assert "if slot.latercall:" in source and "return" in source


# --- RateLimitGuardMiddleware --------------------------------------------------------------

def guard(settings=None, **slots):
    crawler = make_crawler(settings, **slots)
    return RateLimitGuardMiddleware.from_crawler(crawler), crawler


def test_guard_backs_off_exponentially_from_the_second_429_and_caps():
    s = slot(delay=0.0)
    mw, crawler = guard({"WINNOW_429_MAX_DELAY": 5, "WINNOW_429_STOP_AFTER": 100}, **{"example.org": s})
    delays = []
    for _ in range(6):
        req = request()
        mw.process_response(req, answer(req, 429))
        delays.append(s.delay)
    assert delays == [0.0, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert crawler.stats.get_value("winnow/429") == 6
    assert crawler.stats.get_value("winnow/backoff") == 5


def test_guard_doubles_an_existing_delay_and_a_success_resets_and_relaxes():
    s = slot(delay=3.0)
    mw, crawler = guard(**{"example.org": s})
    req = request()
    mw.process_response(req, answer(req, 429))
    assert s.delay == 3.0  # one 429 is not yet a pattern
    mw.process_response(req, answer(req, 429))
    mw.process_response(req, answer(req, 429))
    assert s.delay == 12.0
    ok = answer(req, 200)
    assert mw.process_response(req, ok) is ok
    assert mw.slots["example.org"].consecutive_429 == 0
    assert s.delay == 6.0  # recovers gradually...
    mw.process_response(req, answer(req, 200))
    assert s.delay == 3.0  # ...down to where it was, not below
    mw.process_response(req, answer(req, 200))
    assert s.delay == 3.0
    mw.process_response(req, answer(req, 429))
    assert s.delay == 3.0  # the count started again


def test_guard_counts_per_slot():
    cdx, pages = slot(2.0), slot(1.0)
    mw, _ = guard(cdx=cdx, **{"example.org": pages})
    for _ in range(3):
        r = request("http://a.test/cdx", "cdx")
        mw.process_response(r, answer(r, 429))
    r = request()
    mw.process_response(r, answer(r, 200))  # another slot's success does not reset the cdx count
    assert mw.slots["cdx"].consecutive_429 == 3 and cdx.delay == 8.0 and pages.delay == 1.0


def test_guard_retries_429_without_retry_after_and_leaves_retry_after_to_its_middleware():
    mw, crawler = guard(**{"example.org": slot()})
    req = request()
    retry = mw.process_response(req, answer(req, 429))
    assert isinstance(retry, Request) and retry.dont_filter and retry.meta[GUARD_RETRY_META] == 1
    assert retry.priority == req.priority - 1
    with_header = answer(req, 429, "5")
    assert mw.process_response(req, with_header) is with_header  # RetryAfterMiddleware's job
    exhausted = request(**{RETRY_AFTER_META: 3})
    assert isinstance(mw.process_response(exhausted, answer(exhausted, 429, "5")), Request)
    assert crawler.stats.get_value("winnow/429_retry") == 2


def test_guard_retries_a_request_at_most_stop_after_times():
    mw, _ = guard(**{"example.org": slot()})  # default WINNOW_429_STOP_AFTER = 6
    req = request(**{GUARD_RETRY_META: 6})  # e.g. its 429s were interleaved with other requests' 200s
    resp = answer(req, 429)
    assert mw.process_response(req, resp) is resp


def test_guard_stops_the_crawl_after_six_consecutive_429s(caplog):
    s = slot(delay=1.0, concurrency=1)
    mw, crawler = guard(**{"web.archive.org": s})
    waiting = []
    for n in range(2):  # requests already queued in the slot when it stops
        d = Deferred()
        failures = []
        d.addErrback(failures.append)
        s.queue.append((request(f"http://web.archive.org/web/2015/x{n}", "web.archive.org"), d))
        waiting.append(failures)
    req = request("http://web.archive.org/cdx/search/cdx?url=x", "web.archive.org")
    for _ in range(5):
        assert isinstance(mw.process_response(req, answer(req, 429)), Request)
    assert crawler.engine.close_reasons == []
    with caplog.at_level(logging.ERROR), pytest.raises(IgnoreRequest, match="rate limited by web.archive.org"):
        mw.process_response(req, answer(req, 429))

    assert crawler.engine.close_reasons == ["rate_limited"]
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "web.archive.org" in record.getMessage() and "try again later" in record.getMessage()
    assert "rate_limited" in record.getMessage()
    assert not s.queue and all(len(f) == 1 and f[0].check(IgnoreRequest) for f in waiting)
    assert crawler.stats.get_value("winnow/rate_limited_stop") == 1
    # later answers and requests: no second close, nothing new goes out
    with pytest.raises(IgnoreRequest):
        mw.process_response(req, answer(req, 429))
    with pytest.raises(IgnoreRequest, match="crawl stopped"):
        mw.process_request(request("http://other.test/"))
    assert crawler.engine.close_reasons == ["rate_limited"]


def test_guard_lets_requests_through_before_a_stop():
    mw, _ = guard(**{"example.org": slot()})
    assert mw.process_request(request()) is None


def test_a_non_429_answer_resets_the_count_before_the_stop():
    mw, crawler = guard(**{"example.org": slot()})
    req = request()
    for _ in range(5):
        mw.process_response(req, answer(req, 429))
    mw.process_response(req, answer(req, 503))
    for _ in range(5):
        mw.process_response(req, answer(req, 429))
    assert crawler.engine.close_reasons == []


def test_guard_thresholds_are_settings():
    mw, crawler = guard({"WINNOW_429_STOP_AFTER": 2, "WINNOW_429_BACKOFF_AFTER": 1}, **{"example.org": slot()})
    req = request()
    mw.process_response(req, answer(req, 429))
    assert mw.crawler.engine.downloader.slots["example.org"].delay == 1.0
    with pytest.raises(IgnoreRequest):
        mw.process_response(req, answer(req, 429))
    assert crawler.engine.close_reasons == ["rate_limited"]


def test_guard_can_be_switched_off():
    with pytest.raises(NotConfigured):
        RateLimitGuardMiddleware.from_crawler(make_crawler({"WINNOW_429_GUARD_ENABLED": False}))


def test_the_two_middlewares_in_scrapys_order():
    """Scrapy calls process_response from the highest position down: guard (570), then
    RetryAfter (560). A 429 with Retry-After is counted by the guard and retried by RetryAfter."""
    s = slot()
    crawler = make_crawler(**{"example.org": s})
    g = RateLimitGuardMiddleware.from_crawler(crawler)
    ra, timers = retry_after_mw(crawler)
    req = request()
    out = answer(req, 429, "2")
    for mw in (g, ra):
        out = mw.process_response(req, out)
        if isinstance(out, Request):
            break
    assert isinstance(out, Request) and out.meta[RETRY_AFTER_META] == 1 and GUARD_RETRY_META not in out.meta
    assert timers.timers[0].delay == 2
    assert crawler.stats.get_value("winnow/429") == 1


# --- HTTP cache ----------------------------------------------------------------------------

def test_http_cache_never_stores_rate_limits_or_server_errors():
    from crawler import settings as project_settings

    base = {k: getattr(project_settings, k) for k in dir(project_settings) if k.isupper()}
    crawler = get_crawler(settings_dict={**base, "HTTPCACHE_ENABLED": True})
    policy = DummyPolicy(crawler.settings)
    req = Request("https://web.archive.org/cdx/search/cdx?url=x")
    assert not policy.should_cache_response(Response(req.url, status=429, request=req), req)
    assert not policy.should_cache_response(Response(req.url, status=503, request=req), req)
    assert policy.should_cache_response(Response(req.url, status=200, request=req), req)
