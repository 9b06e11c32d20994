"""winnow.archive_index (WARC -> CDXJ) and data/build_samples.build."""
import base64
import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE_PAGES, load_build_samples, write_sample_pages
from warcio.archiveiterator import ArchiveIterator

from extractors.urls import surt
from winnow.archive_index import CdxRecord, index_warc, read_cdxj, write_cdxj

FIXTURES = Path(__file__).parent / "fixtures"


def sha1_base32(data: bytes) -> str:
    return base64.b32encode(hashlib.sha1(data).digest()).decode()


def test_index_fields(sample_archive_dir):
    records = index_warc(sample_archive_dir / "wayback.warc.gz")
    wayback_pages = [p for p in SAMPLE_PAGES if p[4] == "wayback"]
    assert len(records) == len(wayback_pages)
    for (file, body, url, timestamp, _, _, headers), record in zip(wayback_pages, records):
        assert record.url == url
        assert record.urlkey == surt(url)
        assert record.timestamp == timestamp
        assert record.mime == headers["Content-Type"].split(";")[0]
        assert record.status == 200
        assert record.digest == sha1_base32(body)
        assert record.filename == "wayback.warc.gz"


def test_offsets_and_lengths_point_at_whole_records(sample_archive_dir):
    path = sample_archive_dir / "wayback.warc.gz"
    data = path.read_bytes()
    records = index_warc(path)
    for record in records:
        chunk = data[record.offset:record.offset + record.length]  # one gzip member = one record
        (warc_record,) = list(ArchiveIterator(io.BytesIO(chunk)))
        assert warc_record.rec_headers.get_header("WARC-Target-URI") == record.url
    last = records[-1]
    assert last.offset + last.length == len(data)
    assert [r.offset for r in records] == sorted(r.offset for r in records)


def test_digest_computed_when_the_record_has_none(tmp_path):
    payload = b"<html>no digest header</html>"
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + payload
    warc = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
            b"WARC-Date: 2015-12-14T14:45:00Z\r\nWARC-Target-URI: http://example.org/x\r\n"
            b"Content-Type: application/http; msgtype=response\r\nContent-Length: " + str(len(http)).encode()
            + b"\r\n\r\n" + http + b"\r\n\r\n")
    (tmp_path / "plain.warc").write_bytes(warc)
    (record,) = index_warc(tmp_path / "plain.warc")
    assert record.digest == sha1_base32(payload)
    assert (record.offset, record.mime, record.timestamp) == (0, "text/html", "20151214144500")


def test_cdxj_round_trip_sorted(tmp_path, sample_archive_dir):
    records = index_warc(sample_archive_dir / "wayback.warc.gz")
    write_cdxj(list(reversed(records)), tmp_path / "i.cdxj")
    lines = (tmp_path / "i.cdxj").read_text().splitlines()
    assert lines == sorted(lines)
    urlkey, timestamp, data = lines[0].split(" ", 2)
    assert set(json.loads(data)) == {"url", "mime", "status", "digest", "length", "offset", "filename"}
    assert sorted(read_cdxj(tmp_path / "i.cdxj")) == sorted(records)
    assert all(isinstance(r, CdxRecord) for r in read_cdxj(tmp_path / "i.cdxj"))


def test_truncated_warc_is_a_clear_error():
    with pytest.raises(ValueError, match="broken.warc.gz"):
        index_warc(FIXTURES / "broken.warc.gz")


def test_truncated_warc_next_to_a_good_one_fails_at_start(tmp_path, sample_archive_dir):
    from winnow.loopback import LoopbackArchive

    shutil.copy(sample_archive_dir / "wayback.warc.gz", tmp_path)
    shutil.copy(FIXTURES / "broken.warc.gz", tmp_path)
    # no index file: the server indexes the WARCs itself, and must refuse the broken one
    config = {"wayback": {"warcs": ["wayback.warc.gz", "broken.warc.gz"], "index": "missing.cdxj"}}
    (tmp_path / "collections.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="broken.warc.gz"):
        LoopbackArchive(tmp_path)


def test_index_built_in_memory_when_the_index_file_is_missing(tmp_path, sample_archive_dir):
    from winnow.loopback import load_collections

    shutil.copy(sample_archive_dir / "wayback.warc.gz", tmp_path)
    (tmp_path / "collections.json").write_text(json.dumps({"wayback": {"warcs": ["wayback.warc.gz"]}}))
    collections = load_collections(tmp_path)
    assert sorted(collections["web"].records) == sorted(read_cdxj(sample_archive_dir / "wayback.cdxj"))


def test_build_writes_collections_and_is_deterministic(tmp_path, sample_archive_dir):
    pages = write_sample_pages(tmp_path / "pages")
    load_build_samples().build(pages, tmp_path / "again")
    for name in ("wayback.warc.gz", "archiveit-3181.warc.gz", "wayback.cdxj", "archiveit-3181.cdxj", "collections.json"):
        assert (tmp_path / "again" / name).read_bytes() == (sample_archive_dir / name).read_bytes(), name
    config = json.loads((sample_archive_dir / "collections.json").read_text())
    assert config["wayback"] == {"warcs": ["wayback.warc.gz"], "index": "wayback.cdxj"}
    unesco = config["archive-it"]["3181"]
    assert unesco["name"] == "UNESCO"
    assert unesco["organisation"] == "United Nations Educational, Scientific and Cultural Organization (UNESCO)"
    assert unesco["warcs"] == ["archiveit-3181.warc.gz"] and unesco["index"] == "archiveit-3181.cdxj"
    with open(sample_archive_dir / "wayback.warc.gz", "rb") as handle:
        first = next(iter(ArchiveIterator(handle)))
        assert first.rec_type == "warcinfo"


def test_build_refuses_files_outside_the_pages_folder(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "secret.html").write_text("x")
    (tmp_path / "pages" / "manifest.json").write_text(json.dumps([{"file": "../secret.html", "url": "http://x/",
                                                                 "timestamp": "20150101000000", "archive": "wayback"}]))
    with pytest.raises(ValueError, match="outside"):
        load_build_samples().build(tmp_path / "pages", tmp_path / "out")


def test_bundled_sample_archive_is_what_the_script_builds(tmp_path):
    """data/archive/ is regenerated by `python data/build_samples.py`: committed files and sources agree."""
    project = Path(__file__).resolve().parent.parent
    load_build_samples().build(project / "data" / "pages", tmp_path / "archive")
    bundled = sorted(p.name for p in (project / "data" / "archive").iterdir())
    assert bundled == sorted(p.name for p in (tmp_path / "archive").iterdir())
    for name in bundled:
        assert (tmp_path / "archive" / name).read_bytes() == (project / "data" / "archive" / name).read_bytes(), name
