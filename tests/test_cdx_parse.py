"""CDX answers in their three shapes, with paging and malformed lines."""
from urllib.parse import parse_qs

from crawler.cdx import parse_cdx, query_params
from helpers import FIXTURES


def test_json_table_with_header_and_resume_key():
    page = parse_cdx((FIXTURES / "cdx/wayback-emis.json").read_text())
    assert [row.timestamp for row in page.rows] == ["20180501103122", "20180501103000"]
    assert page.rows[1].original.endswith("/unesco-gpe-launch-first-international-conference-on-emis/")
    assert page.rows[0].statuscode == 200 and page.rows[0].length == 5120
    assert page.malformed == 1
    assert page.resume_key == "org%2Cunesco%2Cuis%2Cemis%29%2Fzz+20180501103500"


def test_json_lines_with_pywb_field_names():
    page = parse_cdx((FIXTURES / "cdx/archiveit-iite.jsonl").read_text())
    assert [row.original for row in page.rows] == ["http://iite.unesco.org/about/", "http://iite.unesco.org/about/strategy/"]
    assert page.rows[0].mimetype == "text/html" and page.rows[0].digest.startswith("IITEABOUT")
    assert page.malformed == 1 and page.resume_key is None


def test_plain_text_lines():
    page = parse_cdx((FIXTURES / "cdx/plain.txt").read_text())
    assert len(page.rows) == 2 and page.malformed == 1
    assert page.rows[1].timestamp == "20240615080000"


def test_plain_text_resume_key_after_blank_line():
    page = parse_cdx("org,a)/ 20200101000000 http://a.org/ text/html 200 D 1\n\nNEXTKEY\n")
    assert page.resume_key == "NEXTKEY" and len(page.rows) == 1


def test_json_lines_resume_key():
    body = '{"timestamp": "20200101000000", "url": "http://a.org/"}\n\n{"resumeKey": "K1"}\n'
    assert parse_cdx(body).resume_key == "K1"


def test_empty_and_garbage_answers():
    assert parse_cdx("").rows == []
    assert parse_cdx("[]").rows == []
    page = parse_cdx("<html>Too many requests</html>")
    assert page.rows == [] and page.malformed == 1
    assert parse_cdx('[["urlkey"], ["x"], 5]').rows == []


def test_query_params_ask_for_html_200_collapsed_by_digest():
    query = parse_qs(query_params("iite.unesco.org/", "prefix", "2015", "2016", limit=50, resume_key="K"))
    assert query["url"] == ["iite.unesco.org/"] and query["matchType"] == ["prefix"]
    assert query["filter"] == ["statuscode:200", "mimetype:text/html"]
    assert query["collapse"] == ["digest"] and query["output"] == ["json"]
    assert query["from"] == ["2015"] and query["to"] == ["2016"]
    assert query["limit"] == ["50"] and query["showResumeKey"] == ["true"] and query["resumeKey"] == ["K"]
