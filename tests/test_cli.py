"""The `winnow` command: help texts, extract on every kind of input, search."""
import json
import shutil

import pytest
from click.testing import CliRunner

from helpers import FIXTURES
from winnow.cli import cli
from winnow.crawl import SAMPLE_ARCHIVE

SEEDS = FIXTURES / "seeds"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("command", [[], ["crawl"], ["extract"], ["search"], ["serve-archive"]])
def test_every_command_explains_itself(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: " in result.output and len(result.output.splitlines()) > 5


def test_extract_text_dump_as_json_lines():
    result = run("extract", SEEDS / "004_bee2e0187023cbbb.txt", SEEDS / "003_869eed1de27bbaf4.txt", "--json")
    assert result.exit_code == 0
    first, second = [json.loads(line) for line in result.output.splitlines()]
    assert first["source"].endswith("004_bee2e0187023cbbb.txt") and second["source"].endswith("003_869eed1de27bbaf4.txt")
    for key in ("text", "title", "original_url", "capture_time", "archive", "language", "removed"):
        assert key in first
    assert first["capture_time"] == "2020-12-06T07:20:20Z"
    assert "You are viewing an archived web page" not in first["text"]
    assert {"kind", "text", "rule"} <= set(first["removed"][0])
    assert "Education Management Information Systems" in second["text"]


def test_extract_html_with_its_replay_url():
    page = SAMPLE_ARCHIVE.parent / "pages" / "emis-conference.html"
    url = "https://web.archive.org/web/20180501103000/https://emis.uis.unesco.org/unesco-gpe-launch-first-international-conference-on-emis/"
    (record,) = [json.loads(line) for line in run("extract", page, "--url", url, "--json").output.splitlines()]
    assert record["original_url"] == "https://emis.uis.unesco.org/unesco-gpe-launch-first-international-conference-on-emis/"
    assert record["capture_time"] == "2018-05-01T10:30:00Z" and record["archive"] == "wayback"
    assert "PARIS - UNESCO and the Global Partnership for Education" in record["text"]


def test_extract_warc_gives_one_document_per_html_record_in_file_order():
    warc = SAMPLE_ARCHIVE / "wayback.warc.gz"
    records = [json.loads(line) for line in run("extract", warc, "--json").output.splitlines()]
    assert len(records) == 6
    offsets = [int(r["source"].rsplit("#", 1)[1]) for r in records]
    assert offsets == sorted(offsets)
    assert all(r["capture_time"] and r["original_url"].startswith("http") for r in records)


def test_a_bad_file_is_reported_and_the_others_still_extracted(tmp_path):
    broken = tmp_path / "broken.warc.gz"
    good_warc = (SAMPLE_ARCHIVE / "wayback.warc.gz").read_bytes()
    broken.write_bytes(good_warc[: len(good_warc) // 2])
    good = tmp_path / "good.txt"
    shutil.copy(SEEDS / "003_869eed1de27bbaf4.txt", good)
    result = CliRunner().invoke(cli, ["extract", str(broken), str(good), "--json"])
    assert result.exit_code == 1
    assert "broken.warc.gz" in result.stderr
    assert any(json.loads(line)["source"] == str(good) for line in result.stdout.splitlines() if line.startswith("{"))


def test_search_without_database_says_what_to_do(tmp_path):
    result = CliRunner().invoke(cli, ["search", "x", "--db", str(tmp_path / "none.db")])
    assert result.exit_code != 0 and "winnow crawl" in result.output


def test_explain_marks_each_removal_in_place_with_its_rule():
    result = run("extract", "--explain", SEEDS / "000_dfd46ab53c238e84.txt")
    assert result.exit_code == 0
    blocks = result.output.split("\n\n")
    mission = next(i for i, b in enumerate(blocks) if b.startswith("A wide range of Member States"))
    assert blocks[mission + 1].startswith("- [placeholder: filler.latin-tail] Vestibulum non molestie quam.")
    assert blocks[mission - 2].startswith("- [placeholder: placeholder.lorem-ipsum] Lorem ipsum")
    assert "- [placeholder: placeholder.insert-text] insert text 2" in result.output
    assert "Foreward" in blocks


def test_explain_lists_archive_inserts_first_for_replayed_html():
    page = FIXTURES / "replays" / "iite-strategy.archive-it.html"
    result = run("extract", "--explain", page)
    body = result.output.split("\n", 1)[1]
    assert body.startswith("- [")
    assert "- [banner: banner.archive-it-sentence] You are viewing an archived web page" in body
    assert "According to its Statutes" in body


def test_extract_wacz_reads_its_warc_files(tmp_path):
    import zipfile

    wacz = tmp_path / "sample.wacz"
    with zipfile.ZipFile(wacz, "w") as package:
        package.writestr("datapackage.json", '{"profile": "data-package", "resources": []}')
        package.write(SAMPLE_ARCHIVE / "wayback.warc.gz", "archive/data.warc.gz")
    records = [json.loads(line) for line in run("extract", wacz, "--json").output.splitlines()]
    assert len(records) == 6 and all(r["source"].startswith(f"{wacz}#archive/data.warc.gz#") for r in records)
    broken = tmp_path / "broken.wacz"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    result = CliRunner().invoke(cli, ["extract", str(broken)])
    assert result.exit_code == 1 and "not a readable WACZ" in result.stderr
