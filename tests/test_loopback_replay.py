"""Replays from the loopback archive: raw (id_), Wayback toolbar, Archive-It banner, redirects, 404."""
import re
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from bs4 import BeautifulSoup
from conftest import HOME, STRATEGY, STYLE

from winnow.loopback import LoopbackArchive

SENTENCE = ("You are viewing an archived web page, collected at the request of United Nations Educational, "
            "Scientific and Cultural Organization (UNESCO) using Archive-It. This page was captured on "
            "07:20:20 Dec 06, 2020, and is part of the UNESCO collection. The information on this web page may "
            "be out of date. See All versions of this archived page.")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(archive, path, method="GET"):
    """(status, headers, body bytes) without following redirects."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(archive.url + path, method=method)) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_raw_replay_gives_the_stored_payload(loopback):
    status, headers, body = fetch(loopback, "/web/20151214144500id_/http://www.example.org/")
    assert status == 200 and body == HOME
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Content-Length"] == str(len(HOME))
    assert headers["Memento-Datetime"] == "Mon, 14 Dec 2015 14:45:00 GMT"
    assert headers["Link"] == '<http://www.example.org/>; rel="original"'
    assert "Transfer-Encoding" not in headers and "Content-Encoding" not in headers
    status, headers, body = fetch(loopback, "/3181/20201206072020id_/http://iite.example.org/about/strategy/")
    assert body == STRATEGY  # Latin-1 bytes untouched
    assert fetch(loopback, "/web/20151214144520id_/http://www.example.org/about/")[1]["X-Archive-Orig-Server"] == "Apache"


def test_non_html_is_served_as_stored(loopback):
    status, headers, body = fetch(loopback, "/web/20151214144510/http://www.example.org/style.css")
    assert (status, body, headers["Content-Type"]) == (200, STYLE, "text/css")


def test_wayback_replay_has_the_toolbar_and_rewritten_links(loopback):
    status, headers, body = fetch(loopback, "/web/20151214144500/http://www.example.org/")
    page = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    # head insert right after <head>, before the page's own head content
    head = page.index("<head>")
    assert page.index("/_static/js/bundle-playback.js") > head
    for marker in ("/_static/js/wombat.js", "/_static/css/banner-styles.css", "/_static/css/iconochive.css",
                   '__wm.init("https://web.archive.org/web");', "__wm.wombat("):
        assert marker in page[head:page.index("<!-- End Wayback Rewrite JS Include -->")]
    assert page.index("<!-- End Wayback Rewrite JS Include -->") < page.index("<title>Home</title>")
    # toolbar right after <body>
    toolbar = page[page.index("<body>"):page.index("<!-- END WAYBACK TOOLBAR INSERT -->")]
    assert toolbar.startswith("<body>\n<!-- BEGIN WAYBACK TOOLBAR INSERT -->")
    soup = BeautifulSoup(page, "lxml")
    ipp = soup.select_one("#wm-ipp-base > #wm-ipp").get_text(" ")
    for text in ("3 captures", "14 Dec 2015 - 01 Jan 2017", "About this capture", "COLLECTED BY", "TIMESTAMPS"):
        assert text in ipp
    assert soup.select_one("#wm-ipp-print").get_text() == (
        f"The Wayback Machine - {loopback.url}/web/20151214144500/http://www.example.org/")
    # links
    prefix = "/web/20151214144500"
    assert soup.find("a", string="About")["href"] == f"{prefix}/http://www.example.org/about/"
    assert soup.find("a", string="News")["href"] == f"{prefix}/http://www.example.org/news/"
    assert soup.find("a", string="Other")["href"] == f"{prefix}/https://other.example.net/x"
    for text, href in (("Top", "#top"), ("Mail", "mailto:info@example.org"), ("JS", "javascript:void(0)")):
        assert soup.find("a", string=text)["href"] == href
    images = soup.find_all("img")
    assert images[0]["src"] == f"{prefix}im_/http://www.example.org/logo.png"
    assert images[0]["srcset"] == f"{prefix}im_/http://www.example.org/logo.png 1x, {prefix}im_/http://www.example.org/logo-2x.png 2x"
    assert images[1]["src"].startswith("data:")
    assert soup.find("script", src=re.compile("app.js"))["src"] == f"{prefix}js_/http://www.example.org/js/app.js"
    assert soup.find("link", rel="stylesheet", href=re.compile("style.css$"))["href"] == f"{prefix}cs_/http://www.example.org/style.css"
    assert soup.find("link", rel="canonical")["href"] == f"{prefix}/http://www.example.org/"
    assert soup.find("meta", property="og:url")["content"] == f"{prefix}/http://www.example.org/"
    assert soup.find("form", action=re.compile("search"))["action"] == f"{prefix}/http://www.example.org/search"
    # trailing comments after </html>
    tail = page[page.rindex("</html>"):]
    assert "<!--\n     FILE ARCHIVED ON 14:45:00 Dec 14, 2015 AND RETRIEVED FROM THE\n     INTERNET ARCHIVE ON " in tail
    assert "JAVASCRIPT APPENDED BY WAYBACK MACHINE, COPYRIGHT INTERNET ARCHIVE." in tail
    assert "<!--\nplayback timings (ms):\n  captures_list: " in tail


def test_archiveit_replay_has_the_banner(loopback):
    status, _, body = fetch(loopback, "/3181/20201206072020/http://iite.example.org/about/strategy/")
    page = body.decode("utf-8")
    assert status == 200
    assert "<!-- Start Wayback Rewrite JS Include -->" in page and "<!-- End Wayback Rewrite JS Include -->" in page
    assert f'WB_wombat_Init("{loopback.url}/3181/", "20201206072020", "iite.example.org")' in page
    soup = BeautifulSoup(page, "lxml")
    body_children = [c for c in soup.body.children if getattr(c, "name", None)]
    assert [c.get("id") for c in body_children[:2]] == ["wm-media-curtain", "wm-disclaim"]  # right after <body>
    curtain = [line for line in soup.select_one("#wm-media-curtain").get_text("\n").split("\n") if line]
    assert curtain == ["<", "\xa0", "\xa0", "\xa0", "\xa0", "×", ">"]
    disclaim = soup.select_one("#wm-disclaim")
    assert " ".join(disclaim.get_text().split()).startswith(SENTENCE + " Loading media information hide")
    assert disclaim.select_one("#wm-disclaim-hide").get_text() == "hide"
    assert disclaim.select_one("span#wm-media-button").get_text() == "Loading media information"
    qa = disclaim.select_one("#qaMissingUrlsDiv")
    assert "display:none" in qa["style"] and "Enable QA" in qa.get_text() and "View Missing URLs" in qa.get_text()
    links = {a.get_text(): a["href"] for a in disclaim.find_all("a")}
    assert links["Archive-It"] == "https://archive-it.org"
    assert links["All versions"] == "/3181/*/http://iite.example.org/about/strategy/"
    # a text dump reads curtain crumbs, then the sentence, then "Loading media information hide"
    dump = [line.strip() for line in soup.body.get_text("\n").split("\n") if line.strip() or line == "\xa0"]
    start = dump.index("<")
    assert dump[start:start + 7] == ["<", "", "", "", "", "×", ">"]
    assert page.index("This page was captured on") < page.index("Loading media information") < page.index(">hide<")
    # decoded from Latin-1, answered in utf-8, meta says so
    assert soup.h1.get_text() == "Stratégie"
    assert 'charset=utf-8"' in page
    assert soup.find("a", string="Up")["href"] == "/3181/20201206072020/http://iite.example.org/about/"
    assert "FILE ARCHIVED ON 07:20:20 Dec 06, 2020" in page[page.rindex("</html>"):]


def test_all_versions_lists_captures(loopback):
    status, _, body = fetch(loopback, "/web/*/http://www.example.org/")
    assert status == 200 and body.count(b"<li>") == 3


def test_redirect_to_the_nearest_capture(loopback):
    status, headers, _ = fetch(loopback, "/web/2016/http://www.example.org/")
    assert status == 302 and headers["Location"] == f"{loopback.url}/web/20160101000000/http://www.example.org/"
    status, headers, _ = fetch(loopback, "/web/20161231id_/http://www.example.org/")
    assert headers["Location"] == f"{loopback.url}/web/20170101000000id_/http://www.example.org/"
    status, headers, _ = fetch(loopback, "/3181/2030/http://iite.example.org/news/")
    assert headers["Location"] == f"{loopback.url}/3181/20201206072030/http://iite.example.org/news/"


def test_not_in_archive(loopback):
    status, headers, body = fetch(loopback, "/web/20151214144500/http://www.example.org/missing")
    assert status == 404 and headers["Content-Type"].startswith("text/html")
    assert b"Wayback Machine has not archived that URL." in body
    status, _, body = fetch(loopback, "/3181/20151214144500/http://www.example.org/")  # other collection
    assert status == 404 and b"Not in Archive" in body


def test_head_requests_and_request_log(loopback):
    path = "/web/20151214144520/http://www.example.org/about/"
    get_status, get_headers, get_body = fetch(loopback, path)
    status, headers, body = fetch(loopback, path, method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) > 0
    assert loopback.requests.count(path) == 2


def test_quiet_unless_verbose(loopback, capfd):
    fetch(loopback, "/web/20151214144520/http://www.example.org/about/")
    fetch(loopback, "/nowhere")
    assert capfd.readouterr().err == ""


def test_start_stop_and_context_manager(sample_archive_dir):
    archive = LoopbackArchive(sample_archive_dir).start()
    url = archive.url
    assert url.startswith("http://127.0.0.1:")
    assert fetch(archive, "/cdx/search/cdx?url=www.example.org/")[0] == 200
    archive.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/", timeout=2)
    with pytest.raises(RuntimeError):
        archive.url


def test_command_line(sample_archive_dir):
    process = subprocess.Popen([sys.executable, "-m", "winnow.loopback", str(sample_archive_dir), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
        with urllib.request.urlopen(url + "/web/20151214144500id_/http://www.example.org/", timeout=5) as response:
            assert response.read() == HOME
    finally:
        process.terminate()
        process.wait(timeout=10)
