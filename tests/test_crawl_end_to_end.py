"""The whole flow against the loopback archive: `winnow crawl` and `scrapy crawl` in subprocesses."""
import os
import sqlite3
import subprocess
import sys

import pytest

from winnow.crawl import PROJECT_DIR, SAMPLE_ARCHIVE
from winnow.loopback import LoopbackArchive

WINNOW = [sys.executable, "-c", "from winnow.cli import main; main()"]
DIRT = ("You are viewing an archived web page", "Loading media information", "Lorem ipsum", "lorem ipsum",
        "insert text", "Insert text", "under configuration", "Wayback Machine", "FILE ARCHIVED ON")
ICHEI_FIRST = "On June 6, 2024, a delegation of the International Centre for Higher Education Innovation"


def run(command, cwd, timeout=240):
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)})


def rows(db_path, sql):
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Two `winnow crawl` runs with no arguments in an empty folder."""
    folder = tmp_path_factory.mktemp("demo")
    first = run(WINNOW + ["crawl"], folder)
    counts_after_first = {t: rows(folder / "winnow.db", f"select count(*) from {t}")[0][0]
                          for t in ("captures", "documents", "removals")}
    warcs_after_first = sorted(p.name for p in (folder / "warcs").iterdir())
    second = run(WINNOW + ["crawl"], folder)
    return folder, first, second, counts_after_first, warcs_after_first


def test_demo_crawl_stores_every_bundled_capture(crawled):
    folder, first, _, counts, _ = crawled
    assert first.returncode == 0, first.stderr
    bundled = sum(1 for line in open(SAMPLE_ARCHIVE / "wayback.cdxj")) + sum(1 for line in open(SAMPLE_ARCHIVE / "archiveit-3181.cdxj"))
    assert counts["captures"] == counts["documents"] == bundled == 12
    assert counts["removals"] > 0
    assert "documents stored" in first.stdout and "errors" in first.stdout


def test_stored_texts_hold_no_dirt_and_keep_real_paragraphs(crawled):
    folder = crawled[0]
    texts = dict(rows(folder / "winnow.db",
                      "select c.original_url || ' ' || c.timestamp, d.text from documents d join captures c using (capture_id)"))
    for key, text in texts.items():
        for dirt in DIRT:
            assert dirt not in text, (key, dirt)
    (ichei,) = [t for k, t in texts.items() if "ichei-visited-unesco-ibe" in k]
    assert ichei.count(ICHEI_FIRST) == 1
    assert "to discuss the direction of future development." in ichei
    (strategy,) = [t for k, t in texts.items() if "iiep.unesco.org/en/our-strategy" in k]
    assert "Foreward" in strategy and "which remains at the core of its interventions at country level." in strategy


def test_search_finds_the_gnlc_page(crawled):
    folder = crawled[0]
    result = run(WINNOW + ["search", "learning cities"], folder)
    assert result.returncode == 0
    assert "uil.unesco.org/event/unesco-learning-cities-meeting" in result.stdout


def test_second_crawl_adds_nothing(crawled):
    folder, _, second, counts, warcs = crawled
    assert second.returncode == 0, second.stderr
    for table, count in counts.items():
        assert rows(folder / "winnow.db", f"select count(*) from {table}")[0][0] == count
    assert sorted(p.name for p in (folder / "warcs").iterdir()) == warcs


def test_raw_captures_are_kept_in_warc_at_their_offsets(crawled):
    folder = crawled[0]
    from warcio.archiveiterator import ArchiveIterator

    for warc_file, offset, fetched_url in rows(folder / "winnow.db", "select warc_file, warc_offset, fetched_url from captures"):
        with open(folder / warc_file, "rb") as handle:
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle)))
            assert record.rec_headers.get_header("WARC-Target-URI") == fetched_url


def test_scrapy_crawl_wayback_queries_the_given_endpoint(tmp_path):
    with LoopbackArchive(SAMPLE_ARCHIVE) as archive:
        result = run([sys.executable, "-m", "scrapy", "crawl", "wayback", "-a", "url=emis.uis.unesco.org/", "-a", "match=prefix",
                      "-a", f"endpoint={archive.url}", "-s", f"WINNOW_DB={tmp_path / 'w.db'}",
                      "-s", f"WINNOW_WARC_DIR={tmp_path / 'warcs'}", "-s", "DOWNLOAD_DELAY=0",
                      "-s", "AUTOTHROTTLE_ENABLED=False"], PROJECT_DIR)
        paths = list(archive.requests)
    assert result.returncode == 0, result.stderr[-2000:]
    assert any(p.startswith("/cdx/search/cdx?") for p in paths)
    assert sum(1 for p in paths if p.startswith("/web/") and "id_/" in p) == 2
    assert rows(tmp_path / "w.db", "select count(*) from documents")[0][0] == 2


def test_each_run_is_recorded_and_status_shows_it(crawled):
    folder = crawled[0]
    runs = rows(folder / "winnow.db", "select source, pages_seen, new, unchanged, failed, finish_reason from runs order by started_at, source")
    assert runs == [("unesco-archive-it", 6, 6, 0, 0, "finished"), ("wayback", 6, 6, 0, 0, "finished"),
                    ("unesco-archive-it", 0, 0, 6, 0, "finished"), ("wayback", 0, 0, 6, 0, "finished")]
    result = run(WINNOW + ["status"], folder)
    assert result.returncode == 0 and result.stdout.count("finished") == 4
    assert "12 documents" in result.stdout


def test_dry_run_lists_cdx_queries_and_fetches_nothing(tmp_path):
    result = run(WINNOW + ["crawl", "--dry-run"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("/timemap/cdx?url=") == 2 and result.stdout.count("/cdx/search/cdx?url=") == 3
    assert not (tmp_path / "warcs").exists()


def test_a_failing_source_makes_the_run_exit_non_zero(tmp_path):
    (tmp_path / "winnow.toml").write_text(
        '[[source]]\nname = "bad"\nspider = "wayback"\nurl = "x.org/"\nmatch = "everything"\n'
        '[[source]]\nname = "good"\nspider = "wayback"\nurl = "emis.uis.unesco.org/"\nendpoint = "loopback"\n')
    result = run(WINNOW + ["crawl"], tmp_path)
    assert result.returncode == 1 and "bad" in result.stderr
    runs = dict(rows(tmp_path / "winnow.db", "select source, finish_reason from runs"))
    assert runs["good"] == "finished" and runs["bad"].startswith("failed to start")
    assert rows(tmp_path / "winnow.db", "select count(*) from documents")[0][0] == 2


def test_a_crawl_killed_midway_resumes_without_loss_or_duplicates(tmp_path):
    import signal
    import time

    (tmp_path / "winnow.toml").write_text(
        '[winnow]\ndb = "winnow.db"\n[settings]\nDOWNLOAD_DELAY = 0.4\n'
        '[[source]]\nname = "demo"\nspider = "wayback"\nendpoint = "loopback"\n'
        'url = ["emis.uis.unesco.org/", "www.iiep.unesco.org/", "en.ichei.org/"]\n')
    db_path = tmp_path / "winnow.db"
    crawl = subprocess.Popen(WINNOW + ["crawl"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)})
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and crawl.poll() is None:
        try:
            stored = rows(db_path, "select count(*) from documents")[0][0]
        except sqlite3.OperationalError:  # the schema is not there yet
            stored = 0
        if stored >= 2:
            break
        time.sleep(0.05)
    crawl.send_signal(signal.SIGKILL)  # a crash, not a clean shutdown
    crawl.wait(timeout=30)
    assert 2 <= stored < 6, "the crawl should have been killed halfway"
    resumed = run(WINNOW + ["crawl"], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert rows(db_path, "select count(*), count(distinct capture_id) from documents")[0] == (6, 6)
    assert rows(db_path, "select count(*) from captures")[0][0] == 6
    from warcio.archiveiterator import ArchiveIterator

    for warc_file, offset, fetched_url in rows(db_path, "select warc_file, warc_offset, fetched_url from captures"):
        with open(tmp_path / warc_file, "rb") as handle:  # every pointer leads to a whole record
            handle.seek(offset)
            assert next(iter(ArchiveIterator(handle))).rec_headers.get_header("WARC-Target-URI") == fetched_url
