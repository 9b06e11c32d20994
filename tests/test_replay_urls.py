"""Replay URLs, SURT keys, capture keys and timestamps."""
import pytest

from extractors.urls import archive_of, canonical_url, capture_key, parse_replay_url, replay_url, surt, timestamp_to_iso


@pytest.mark.parametrize("url, expected", [
    ("https://wayback.archive-it.org/3181/20151214144500/http://iite.unesco.org/about/strategy/",
     ("https://wayback.archive-it.org/3181/", "3181", "20151214144500", "", "http://iite.unesco.org/about/strategy/")),
    ("https://web.archive.org/web/20180423000000id_/https://emis.uis.unesco.org/x?a=1",
     ("https://web.archive.org/web/", None, "20180423000000", "id_", "https://emis.uis.unesco.org/x?a=1")),
    ("http://127.0.0.1:8080/web/2018/http:/a.org/", ("http://127.0.0.1:8080/web/", None, "2018", "", "http://a.org/")),
    ("http://localhost/coll/20200101mp_/a.org/b", ("http://localhost/coll/", "coll", "20200101", "mp_", "http://a.org/b")),
])
def test_parse_replay_url(url, expected):
    address = parse_replay_url(url)
    assert (address.archive_root, address.collection, address.timestamp, address.modifier, address.original_url) == expected


@pytest.mark.parametrize("url", ["http://iite.unesco.org/about/", "https://web.archive.org/", "not a url", ""])
def test_non_replay_urls(url):
    assert parse_replay_url(url) is None


def test_replay_url_round_trip():
    url = replay_url("https://web.archive.org/web/", "20180423000000", "https://a.org/x", "id_")
    assert url == "https://web.archive.org/web/20180423000000id_/https://a.org/x"
    assert parse_replay_url(url).original_url == "https://a.org/x"


def test_archive_of():
    assert archive_of("https://web.archive.org/web/2018/http://a.org/") == "wayback"
    assert archive_of("https://wayback.archive-it.org/3181/2015/http://a.org/") == "archive-it"
    assert archive_of("http://127.0.0.1:5/3181/2015/http://a.org/") == "archive-it"
    assert archive_of("http://127.0.0.1:5/my-coll/2015/http://a.org/") == "pywb"
    assert archive_of("http://a.org/") is None


def test_surt():
    assert surt("http://www.Example.org:80/A?b=1&a=2") == "org,example)/a?a=2&b=1"
    assert surt("https://example.org:8443/") == "org,example:8443)/"
    assert surt("example.org") == "org,example)/"


def test_timestamps():
    assert timestamp_to_iso("20151214144500") == "2015-12-14T14:45:00Z"
    assert timestamp_to_iso("2015") == "2015-01-01T00:00:00Z"
    assert timestamp_to_iso("20151399000000") is None
    assert timestamp_to_iso(None) is None and timestamp_to_iso("abc") is None


def test_capture_key_is_stable_across_url_spellings():
    a = capture_key("wayback", None, "20180501103000", "https://www.emis.org/A")
    b = capture_key("wayback", None, "20180501103000", "https://emis.org/a")
    assert a == b == "wayback/-/20180501103000/org,emis)/a"
    assert capture_key("wayback", None, None, "https://a.org/") is None


def test_canonical_url():
    assert canonical_url("HTTP://WWW.Example.org:80/a b?z=1&a=2#top") == "http://www.example.org/a%20b?a=2&z=1"
    assert canonical_url("https://uil.unesco.org/event/x") == "https://uil.unesco.org/event/x"
