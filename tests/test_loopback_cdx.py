"""The loopback archive's CDX APIs: /cdx/search/cdx (Wayback) and /<coll>/timemap/cdx (Archive-It)."""
import json
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest

FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]


def get(archive, path, params=None):
    url = archive.url + path + ("?" + urlencode(params, doseq=True) if params else "")
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def wayback_rows(archive, **params):
    """Text output split into rows of fields."""
    status, _, text = get(archive, "/cdx/search/cdx", params)
    assert status == 200, text
    return [line.split(" ") for line in text.splitlines()]


def timestamps(archive, **params):
    return [row[1] for row in wayback_rows(archive, **params)]


def test_text_output_has_the_seven_fields_sorted(loopback):
    rows = wayback_rows(loopback, url="example.org/*")
    assert all(len(row) == 7 for row in rows)
    assert [row[2] for row in rows] == ["http://www.example.org/"] * 3 + [
        "http://www.example.org/about/", "http://www.example.org/style.css"]
    assert rows[0][:5] == ["org,example)/", "20151214144500", "http://www.example.org/", "text/html", "200"]
    assert rows == sorted(rows, key=lambda r: (r[0], r[1]))


def test_match_types(loopback):
    assert len(wayback_rows(loopback, url="www.example.org/")) == 3  # exact is the default
    assert len(wayback_rows(loopback, url="http://www.example.org/", matchType="exact")) == 3
    assert len(wayback_rows(loopback, url="example.org/", matchType="prefix")) == 5
    assert len(wayback_rows(loopback, url="example.org/a*")) == 1
    assert len(wayback_rows(loopback, url="example.org", matchType="host")) == 5
    assert {r[2] for r in wayback_rows(loopback, url="example.org", matchType="domain")} >= {"http://docs.example.org/"}
    assert len(wayback_rows(loopback, url="example.org", matchType="domain")) == 6
    assert len(wayback_rows(loopback, url="*.example.org")) == 6


def test_from_and_to_are_inclusive_padded_prefixes(loopback):
    assert timestamps(loopback, url="www.example.org/", **{"from": "2016"}) == ["20160101000000", "20170101000000"]
    assert timestamps(loopback, url="www.example.org/", to="2016") == ["20151214144500", "20160101000000"]
    assert timestamps(loopback, url="www.example.org/", **{"from": "20151214144500", "to": "20151214144500"}) == [
        "20151214144500"]


def test_filters(loopback):
    assert {r[3] for r in wayback_rows(loopback, url="example.org/*", filter="mimetype:text/css")} == {"text/css"}
    assert {r[3] for r in wayback_rows(loopback, url="example.org/*", filter="!mimetype:text/html")} == {"text/css"}
    assert wayback_rows(loopback, url="example.org/*", filter="mimetype:text") == []  # full match, not search
    assert len(wayback_rows(loopback, url="example.org/*", filter=["statuscode:200", "original:.*/about/"])) == 1
    for field in ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"):
        assert len(wayback_rows(loopback, url="example.org/*", filter=f"{field}:.*")) == 5


def test_collapse(loopback):
    # the 2015 and 2016 captures of the home page have the same payload
    assert timestamps(loopback, url="www.example.org/", collapse="digest") == ["20151214144500", "20170101000000"]
    assert [r[2] for r in wayback_rows(loopback, url="example.org/*", collapse="urlkey")] == [
        "http://www.example.org/", "http://www.example.org/about/", "http://www.example.org/style.css"]
    assert timestamps(loopback, url="www.example.org/", collapse="timestamp:4") == ["20151214144500", "20160101000000",
                                                                                  "20170101000000"]
    assert timestamps(loopback, url="www.example.org/", collapse="timestamp:3") == ["20151214144500"]


def test_fl_and_limit(loopback):
    assert wayback_rows(loopback, url="www.example.org/", fl="timestamp,original", limit=1) == [
        ["20151214144500", "http://www.example.org/"]]
    assert timestamps(loopback, url="www.example.org/", limit=-1) == ["20170101000000"]
    assert wayback_rows(loopback, url="www.example.org/", fl="statuscode", limit=2) == [["200"], ["200"]]


def test_wayback_json_is_a_list_of_lists_with_a_header(loopback):
    status, headers, text = get(loopback, "/cdx/search/cdx", {"url": "www.example.org/", "output": "json"})
    table = json.loads(text)
    assert table[0] == FIELDS
    assert len(table) == 4 and table[1][1] == "20151214144500"
    assert headers["Content-Type"] == "application/json"
    fl = json.loads(get(loopback, "/cdx/search/cdx", {"url": "www.example.org/", "output": "json", "fl": "original,timestamp"})[2])
    assert fl[0] == ["original", "timestamp"] and fl[1] == ["http://www.example.org/", "20151214144500"]
    assert json.loads(get(loopback, "/cdx/search/cdx", {"url": "nothing.example/", "output": "json"})[2]) == []


def test_archiveit_json_is_json_lines_with_pywb_fields(loopback):
    status, _, text = get(loopback, "/3181/timemap/cdx", {"url": "iite.example.org/*", "output": "json"})
    assert status == 200
    objects = [json.loads(line) for line in text.splitlines()]
    assert [o["url"] for o in objects] == ["http://iite.example.org/about/strategy/", "http://iite.example.org/news/"]
    assert list(objects[0]) == ["urlkey", "timestamp", "url", "mime", "status", "digest", "length", "offset", "filename"]
    assert objects[0]["timestamp"] == "20201206072020" and objects[0]["filename"] == "archiveit-3181.warc.gz"
    text_rows = get(loopback, "/3181/timemap/cdx", {"url": "iite.example.org/news/"})[2].splitlines()
    assert text_rows[0].split(" ")[:3] == ["org,example,iite)/news/", "20201206072030", "http://iite.example.org/news/"]
    assert get(loopback, "/9999/timemap/cdx", {"url": "x"})[0] == 404


@pytest.mark.parametrize("output", ["text", "json"])
def test_resume_key_paging(loopback, output):
    everything = wayback_rows(loopback, url="example.org", matchType="domain")
    seen, key, calls = [], None, 0
    while True:
        params = {"url": "example.org", "matchType": "domain", "limit": 2, "showResumeKey": "true"}
        if output == "json":
            params["output"] = "json"
        if key:
            params["resumeKey"] = key
        status, _, text = get(loopback, "/cdx/search/cdx", params)
        assert status == 200
        calls += 1
        if output == "json":
            table = json.loads(text)
            rows, rest = (table[1:], []) if [] not in table else (table[1:table.index([])], table[table.index([]) + 1:])
            key = rest[0][0] if rest else None
        else:
            lines = text.splitlines()
            rows = [line.split(" ") for line in (lines[:lines.index("")] if "" in lines else lines)]
            key = lines[lines.index("") + 1] if "" in lines else None
        seen += rows
        if not key:
            break
    assert seen == everything and calls == 3  # 6 rows, 2 per call, no key after the last


def test_resume_key_in_json_lines(loopback):
    text = get(loopback, "/3181/timemap/cdx", {"url": "iite.example.org/*", "output": "json", "limit": 1,
                                               "showResumeKey": "true"})[2]
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines[1] == [] and len(lines[2]) == 1
    rest = get(loopback, "/3181/timemap/cdx", {"url": "iite.example.org/*", "output": "json", "resumeKey": lines[2][0]})[2]
    assert [json.loads(line)["url"] for line in rest.splitlines()] == ["http://iite.example.org/news/"]


def test_page_paging(loopback):
    everything = wayback_rows(loopback, url="example.org", matchType="domain")
    status, _, text = get(loopback, "/cdx/search/cdx", {"url": "example.org", "matchType": "domain", "pageSize": 4,
                                                        "showNumPages": "true"})
    assert status == 200 and text.strip() == "2"
    pages = [wayback_rows(loopback, url="example.org", matchType="domain", pageSize=4, page=n) for n in range(2)]
    assert pages[0] + pages[1] == everything and len(pages[0]) == 4
    assert wayback_rows(loopback, url="example.org", matchType="domain", pageSize=4, page=5) == []


@pytest.mark.parametrize("params", [
    {}, {"url": "x", "matchType": "everything"}, {"url": "x", "limit": "ten"}, {"url": "x", "from": "2015-01"},
    {"url": "x", "filter": "nofield:1"}, {"url": "x", "filter": "statuscode"}, {"url": "x", "filter": "mimetype:("},
    {"url": "x", "fl": "urlkey,colour"}, {"url": "x", "collapse": "digest:x"}, {"url": "x", "pageSize": "0"},
    {"url": "x", "output": "xml"}, {"url": "x", "resumeKey": "nonsense"},
])
def test_bad_parameters_are_400(loopback, params):
    status, headers, text = get(loopback, "/cdx/search/cdx", params)
    assert status == 400 and text.strip()
    assert headers["Content-Type"].startswith("text/plain")
