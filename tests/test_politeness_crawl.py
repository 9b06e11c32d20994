"""`scrapy crawl wayback` in a subprocess against tests/misbehaving_server.py on 127.0.0.1.

Each crawl runs with DOWNLOAD_DELAY=0, no AutoThrottle, DOWNLOAD_TIMEOUT=1 and the CDX slot without
its 2 s delay, so it takes a few seconds; waits asked by the server are 1-2 s.
"""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from misbehaving_server import (
    MisbehavingServer,
    binary_as_html,
    html_as_png,
    page,
    redirect,
    redirect_loop,
    replay_path,
    reset,
    retry_after,
    retry_after_date,
    timeout,
    too_many,
    truncated,
    unavailable,
)

PROJECT = Path(__file__).resolve().parent.parent
CDX = "/cdx/search/cdx"
STOP_AFTER = 6  # WINNOW_429_STOP_AFTER default


def captures(*names: str, day: int = 1) -> list[tuple[str, str]]:
    return [(f"201501{day + n:02d}000000", f"http://example.org/{name}") for n, name in enumerate(names)]


def crawl(server: MisbehavingServer, tmp_path: Path, *settings: str, url: str = "example.org/"):
    db = tmp_path / "winnow.db"
    command = [sys.executable, "-m", "scrapy", "crawl", "wayback", "-a", f"url={url}", "-a", f"endpoint={server.url}",
               "-s", f"WINNOW_DB={db}", "-s", f"WINNOW_WARC_DIR={tmp_path / 'warcs'}",
               "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_TIMEOUT=1",
               "-s", "LOG_LEVEL=INFO",
               "-s", 'DOWNLOAD_SLOTS={"cdx": {"concurrency": 1, "delay": 0}}']
    for setting in settings:
        command += ["-s", setting]
    started = time.monotonic()
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(PROJECT)})
    result.elapsed = time.monotonic() - started
    assert "Spider closed" in result.stderr, result.stderr[-3000:]
    return result, db


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def stat(log: str, name: str) -> int | None:
    match = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(match.group(1)) if match else None


def stored_urls(db: Path) -> set[str]:
    return {url for (url,) in rows(db, "select c.original_url from documents d join captures c using (capture_id)")}


def test_retry_after_is_honoured_in_seconds_and_as_http_date(tmp_path):
    caps = captures("a", "dated", "busy", "unavailable")
    with MisbehavingServer(caps) as server:
        server.script(CDX, retry_after(1), None)
        server.script(replay_path(*caps[1]), retry_after_date(2), None)
        server.script(replay_path(*caps[2]), unavailable("1"), None)
        server.script(replay_path(*caps[3]), unavailable(), None)  # no header: Scrapy's RetryMiddleware
        result, db = crawl(server, tmp_path)
        cdx_times = server.times(CDX)
        dated_times = server.times(replay_path(*caps[1]))
        busy_times = server.times(replay_path(*caps[2]))

    log = result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "'finish_reason': 'finished'" in log
    assert len(cdx_times) == 2 and cdx_times[1] - cdx_times[0] >= 0.95  # asked: 1 s
    # an HTTP date has whole seconds: "now + 2 s" truncated is between 1 and 2 s away
    assert len(dated_times) == 2 and dated_times[1] - dated_times[0] >= 0.9
    assert len(busy_times) == 2 and busy_times[1] - busy_times[0] >= 0.95  # 503 with Retry-After: 1
    assert stat(log, "winnow/retry_after") == 3
    assert stat(log, "winnow/429") == 2
    assert stored_urls(db) == {url for _, url in caps}
    assert rows(db, "select count(*) from errors") == [(0,)]
    assert result.elapsed < 15


def test_the_whole_slot_is_held_then_goes_back_to_its_own_pace(tmp_path):
    """A Retry-After hold stops every request of the slot, not just the retried one; after it the
    slot goes back to its own pace (DOWNLOAD_DELAY 0.2 s here), not to a lasting slowness."""
    caps = captures(*[f"p{n}" for n in range(8)])
    first = caps[-1]  # Scrapy's default queue is LIFO: the last listed capture is asked first
    with MisbehavingServer(caps) as server:
        server.script(replay_path(*first), retry_after(1), None)
        result, db = crawl(server, tmp_path, "DOWNLOAD_DELAY=0.2", "DOWNLOAD_DELAY_JITTER=0")
        page_times = sorted(server.times("/web/*"))
        answered_429 = server.times(replay_path(*first))[0]

    assert result.returncode == 0
    assert len(stored_urls(db)) == 8
    later = [t for t in page_times if t > answered_429]
    assert len(later) == 8  # the 7 other captures and the retry
    assert later[0] - answered_429 >= 0.95  # nothing went out of the slot during the hold
    gaps = sorted(b - a for a, b in zip(later, later[1:]))
    assert gaps[len(gaps) // 2] < 0.35  # then the slot's own 0.2 s pace (one gap may be longer:
    # the first page's extraction loads its libraries and blocks the reactor for a moment)


def test_cdx_paging_is_followed_and_junk_lines_skipped(tmp_path):
    caps = captures("one", "two", "three", "four", "five")
    with MisbehavingServer(caps, page_size=2, junk=True) as server:
        result, db = crawl(server, tmp_path)
        cdx_paths = [p for p, path, _ in server.requests if path == CDX]

    log = result.stderr
    assert result.returncode == 0, log[-3000:]
    assert len(cdx_paths) == 2 and "resumeKey=page2" in cdx_paths[1]
    assert stat(log, "winnow/cdx_rows") == 5
    assert stat(log, "winnow/cdx_malformed_lines") == 5  # 2 bad JSON rows + 3 bad text lines
    assert "had 2 malformed lines (skipped)" in log and "had 3 malformed lines (skipped)" in log
    assert stored_urls(db) == {url for _, url in caps}
    assert rows(db, "select count(*) from captures") == [(5,)]


def test_an_archive_that_always_answers_429_stops_the_crawl_as_rate_limited(tmp_path):
    with MisbehavingServer(captures("a", "b")) as server:
        server.script(CDX, too_many())
        result, db = crawl(server, tmp_path, "WINNOW_429_MAX_DELAY=0.2")
        asked = server.count(CDX)
        host = server.url.split("//")[1]

    log = result.stderr
    assert "'finish_reason': 'rate_limited'" in log
    assert STOP_AFTER <= asked <= STOP_AFTER + 1
    error_lines = [line for line in log.splitlines() if "ERROR" in line and "crawler.middlewares" in line]
    assert len(error_lines) == 1 and host in error_lines[0] and "try again later" in error_lines[0]
    assert stat(log, "winnow/429") == asked
    assert stat(log, "winnow/backoff") == STOP_AFTER - 2
    (error,) = rows(db, "select url, stage, message from errors")
    assert error[0].startswith(f"{server.url}{CDX}?") and error[1] == "cdx" and "rate limited" in error[2]
    assert result.elapsed < 15


def test_rate_limited_replays_stop_the_crawl_and_are_recorded(tmp_path):
    caps = captures(*[f"p{n}" for n in range(10)])
    with MisbehavingServer(caps) as server:
        server.script("/web/*", too_many())
        result, db = crawl(server, tmp_path, "WINNOW_429_MAX_DELAY=0.2")
        asked = server.count("/web/*")

    log = result.stderr
    assert "'finish_reason': 'rate_limited'" in log
    # Without the guard: 10 captures x (1 + RETRY_TIMES) = 30 requests, then "finished".
    # With it: STOP_AFTER, plus what the slot's concurrency (2) had already sent.
    assert STOP_AFTER <= asked <= STOP_AFTER + 3
    assert rows(db, "select count(*) from documents") == [(0,)]
    # Requests that were sent or waiting in the slot are recorded; those still in Scrapy's scheduler
    # are dropped when the crawl closes. Nothing is stored for any of them, so the next run
    # (which skips stored captures) asks for all of them again.
    errors = rows(db, "select url, stage, message from errors")
    assert errors and {url for url, _, _ in errors} <= {server.url + replay_path(*c) for c in caps}
    assert all(stage == "fetch" and "rate limited" in message for _, stage, message in errors)


@pytest.fixture(scope="module")
def broken_crawl(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("broken")
    caps = captures("ok", "slow", "reset", "cut", "loop", "cycle", "png", "binary", "fine")
    by_name = {url.rsplit("/", 1)[1]: (ts, url) for ts, url in caps}
    with MisbehavingServer(caps) as server:
        server.script(replay_path(*by_name["slow"]), timeout(2))
        server.script(replay_path(*by_name["reset"]), reset())
        server.script(replay_path(*by_name["cut"]), truncated())
        server.script(replay_path(*by_name["loop"]), redirect_loop())
        cycle = replay_path(*by_name["cycle"])
        server.script(cycle, redirect(cycle + "?via=1"), redirect(cycle), redirect(cycle + "?via=1"))
        server.script(replay_path(*by_name["png"]), html_as_png(page("Sent as PNG", "HTML bytes labelled image/png.")))
        server.script(replay_path(*by_name["binary"]), binary_as_html())
        result, db = crawl(server, tmp_path)
        urls = {name: server.url + replay_path(*c) for name, c in by_name.items()}
    return result, db, urls


def test_broken_fetches_end_up_in_the_errors_table(broken_crawl):
    result, db, urls = broken_crawl
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.elapsed < 15
    errors = {url: (stage, message) for url, stage, message in rows(db, "select url, stage, message from errors")}
    for name, kind in (("slow", "Timeout"), ("reset", "ConnectionLost"), ("cut", "DataLoss"),
                       ("loop", "max redirections")):
        assert urls[name] in errors or any(u.startswith(urls[name]) for u in errors), (name, errors)
        stage, message = next(v for u, v in errors.items() if u.startswith(urls[name]))
        assert stage == "fetch" and kind.lower() in message.lower(), (name, message)


def test_the_other_captures_are_stored(broken_crawl):
    _, db, urls = broken_crawl
    stored = stored_urls(db)
    assert {"http://example.org/ok", "http://example.org/fine", "http://example.org/png",
            "http://example.org/binary"} <= stored
    assert not stored & {"http://example.org/slow", "http://example.org/reset", "http://example.org/cut",
                         "http://example.org/loop"}
    (text,) = rows(db, "select d.text from documents d join captures c using (capture_id) "
                       "where c.original_url = 'http://example.org/png'")[0]
    assert "HTML bytes labelled image/png." in text


def test_an_exact_redirect_cycle_is_recorded_too(broken_crawl):
    _, db, urls = broken_crawl
    assert any(url.startswith(urls["cycle"]) for (url,) in rows(db, "select url from errors"))
