"""The wayback spider, driven by fixture files turned into Scrapy responses."""
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy import Request

from crawler.items import CaptureItem, ErrorItem
from crawler.spiders.wayback import WaybackSpider
from helpers import make_spider, response_from_file

ENDPOINT = "http://127.0.0.1:9"


def spider(tmp_path, **arguments):
    arguments.setdefault("url", "emis.uis.unesco.org/")
    return make_spider(WaybackSpider, {"WINNOW_DB": str(tmp_path / "none.db")}, endpoint=ENDPOINT, **arguments)


async def first_requests(spider):
    return [request async for request in spider.start()]


def test_start_queries_the_cdx_api_in_its_own_slot(tmp_path):
    import asyncio

    s = spider(tmp_path, url="emis.uis.unesco.org/, www.iiep.unesco.org/", **{"from": "2018", "to": "2019-12"})
    requests = asyncio.run(first_requests(s))
    assert len(requests) == 2
    parts = urlsplit(requests[0].url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ENDPOINT}/cdx/search/cdx"
    query = parse_qs(parts.query)
    assert query["url"] == ["emis.uis.unesco.org/"] and query["from"] == ["2018"] and query["to"] == ["201912"]
    assert requests[0].meta["download_slot"] == "cdx"


def test_cdx_rows_become_raw_capture_requests_and_paging_continues(tmp_path):
    s = spider(tmp_path)
    cdx = response_from_file("cdx/wayback-emis.json", f"{ENDPOINT}/cdx/search/cdx?url=x")
    out = list(s.parse_cdx(cdx, query_url="emis.uis.unesco.org/"))
    fetches = [r for r in out if r.callback == s.parse_capture]
    assert [r.url for r in fetches] == [
        f"{ENDPOINT}/web/20180501103122id_/https://emis.uis.unesco.org/about/",
        f"{ENDPOINT}/web/20180501103000id_/https://emis.uis.unesco.org/unesco-gpe-launch-first-international-conference-on-emis/",
    ]
    next_pages = [r for r in out if r.callback == s.parse_cdx]
    assert len(next_pages) == 1 and "resumeKey=" in next_pages[0].url
    assert s.crawler.stats.get_value("winnow/cdx_malformed_lines") == 1


def test_capture_response_becomes_an_item_with_its_metadata(tmp_path):
    s = spider(tmp_path)
    cdx = response_from_file("cdx/wayback-emis.json", f"{ENDPOINT}/cdx/search/cdx?url=x")
    request = [r for r in s.parse_cdx(cdx, query_url="x") if r.callback == s.parse_capture][1]
    page = response_from_file("spider/capture.html", request.url, request=request)
    (item,) = list(s.parse_capture(page, **request.cb_kwargs))
    assert isinstance(item, CaptureItem)
    assert item.archive == "wayback" and item.collection is None
    assert item.timestamp == "20180501103000" and item.original_url.startswith("https://emis.uis.unesco.org/")
    assert item.digest == "CONFDIGESTAAAAAAAAAAAAAAAAAAAAAA" and item.status == 200 and item.mime == "text/html"
    assert item.fetched_url == request.url and item.body == page.body
    assert item.capture.key == "wayback/-/20180501103000/org,unesco,uis,emis)/unesco-gpe-launch-first-international-conference-on-emis/"


def test_replay_modifier_is_a_setting_and_an_argument(tmp_path):
    cdx = response_from_file("cdx/wayback-emis.json", f"{ENDPOINT}/cdx/search/cdx?url=x")
    as_seen = spider(tmp_path, modifier="")
    urls = [r.url for r in as_seen.parse_cdx(cdx, query_url="x") if r.callback == as_seen.parse_capture]
    assert urls[0] == f"{ENDPOINT}/web/20180501103122/https://emis.uis.unesco.org/about/"


def test_stored_captures_are_not_fetched_again(tmp_path):
    from extractors.capture import Capture
    from winnow.db import capture_row, open_db, store_capture

    db_path = tmp_path / "w.db"
    db = open_db(db_path)
    store_capture(db, capture_row(Capture("https://emis.uis.unesco.org/about/", "20180501103122", "wayback")))
    db.close()
    s = make_spider(WaybackSpider, {"WINNOW_DB": str(db_path)}, endpoint=ENDPOINT, url="x")
    cdx = response_from_file("cdx/wayback-emis.json", f"{ENDPOINT}/cdx/search/cdx?url=x")
    fetches = [r for r in s.parse_cdx(cdx, query_url="x") if r.callback == s.parse_capture]
    assert len(fetches) == 1 and "about" not in fetches[0].url
    assert s.crawler.stats.get_value("winnow/captures_already_stored") == 1


def test_fetch_failures_become_error_items(tmp_path):
    from scrapy.http import Response
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    s = spider(tmp_path)
    request = Request(f"{ENDPOINT}/web/2018id_/http://x.org/", meta={"winnow_stage": "fetch"})
    failure = Failure(HttpError(Response(request.url, status=404, request=request)))
    failure.request = request
    (error,) = list(s.on_error(failure))
    assert isinstance(error, ErrorItem)
    assert error.url == request.url and error.stage == "fetch" and error.message == "HTTP 404"


@pytest.mark.parametrize("arguments, message", [
    ({"url": ""}, "give at least one URL"),
    ({"match": "everything"}, "match must be"),
    ({"from": "last year"}, "timestamp of 4 to 14 digits"),
])
def test_bad_arguments_are_refused_clearly(tmp_path, arguments, message):
    with pytest.raises(ValueError, match=message):
        spider(tmp_path, **arguments)


def test_same_content_of_the_same_url_is_not_fetched_again(tmp_path):
    from extractors.capture import Capture
    from winnow.db import capture_row, open_db, store_capture

    db_path = tmp_path / "w.db"
    db = open_db(db_path)
    # an earlier capture of the conference page with the digest the CDX lists for a later one
    store_capture(db, capture_row(Capture(
        "https://emis.uis.unesco.org/unesco-gpe-launch-first-international-conference-on-emis/", "20180401000000",
        "wayback", digest="CONFDIGESTAAAAAAAAAAAAAAAAAAAAAA")))
    db.close()
    s = make_spider(WaybackSpider, {"WINNOW_DB": str(db_path)}, endpoint=ENDPOINT, url="x")
    cdx = response_from_file("cdx/wayback-emis.json", f"{ENDPOINT}/cdx/search/cdx?url=x")
    fetches = [r for r in s.parse_cdx(cdx, query_url="x") if r.callback == s.parse_capture]
    assert [r.url.rsplit("/", 2)[-2] for r in fetches] == ["about"]
