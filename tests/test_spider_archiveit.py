"""The archiveit spider: a collection's CDX endpoint and its replay paths."""
import asyncio
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.items import CaptureItem
from crawler.spiders.archiveit import ArchiveItSpider
from helpers import make_spider, response_from_file

ENDPOINT = "http://127.0.0.1:9"


def spider(tmp_path, **arguments):
    arguments.setdefault("url", "iite.unesco.org/")
    arguments.setdefault("collection", "3181")
    return make_spider(ArchiveItSpider, {"WINNOW_DB": str(tmp_path / "none.db")}, endpoint=ENDPOINT, **arguments)


def test_cdx_endpoint_is_the_collection_timemap(tmp_path):
    s = spider(tmp_path, match="host")

    async def collect():
        return [r async for r in s.start()]

    (request,) = asyncio.run(collect())
    parts = urlsplit(request.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ENDPOINT}/3181/timemap/cdx"
    assert parse_qs(parts.query)["matchType"] == ["host"]


def test_rows_are_fetched_raw_from_the_collection_and_items_name_it(tmp_path):
    s = spider(tmp_path)
    cdx = response_from_file("cdx/archiveit-iite.jsonl", f"{ENDPOINT}/3181/timemap/cdx?url=x")
    requests = [r for r in s.parse_cdx(cdx, query_url="iite.unesco.org/") if r.callback == s.parse_capture]
    assert [r.url for r in requests] == [
        f"{ENDPOINT}/3181/20151214144512id_/http://iite.unesco.org/about/",
        f"{ENDPOINT}/3181/20151214144500id_/http://iite.unesco.org/about/strategy/",
    ]
    page = response_from_file("spider/capture.html", requests[1].url, request=requests[1])
    (item,) = list(s.parse_capture(page, **requests[1].cb_kwargs))
    assert isinstance(item, CaptureItem)
    assert (item.archive, item.collection, item.timestamp) == ("archive-it", "3181", "20151214144500")
    assert item.capture.key == "archive-it/3181/20151214144500/org,unesco,iite)/about/strategy/"


def test_collection_is_required(tmp_path):
    with pytest.raises(ValueError, match="collection id"):
        spider(tmp_path, collection="")


def test_endpoint_defaults_to_the_setting(tmp_path):
    s = make_spider(ArchiveItSpider, {"WINNOW_DB": str(tmp_path / "x.db"), "WINNOW_ARCHIVEIT_ENDPOINT": "https://mirror.example/"},
                    url="a.org/", collection="7")
    assert s.cdx_url() == "https://mirror.example/7/timemap/cdx"
