"""extract_html on hand-made replays (Wayback, Archive-It, pywb, raw) and on the loopback replays."""
from pathlib import Path

import pytest
from lxml import html as lxml_html

from extractors import extract_html
from extractors.capture import Capture
from extractors.decode import decode_html
from extractors.replay import strip_replay

HTML = Path(__file__).parent / "fixtures" / "html"
REPLAYS = Path(__file__).parent / "fixtures" / "replays"
CHROME = ["You are viewing an archived web page", "Loading media information", "Enable QA", "View Missing URLs",
          "About this capture", "COLLECTED BY", "The Wayback Machine", "captures", "FILE ARCHIVED ON",
          "playback timings", "__wm", "wbinfo", "WB_wombat"]


def load(name, folder=HTML):
    return (folder / name).read_bytes()


def paragraphs(doc):
    return doc.text.split("\n\n")


def assert_no_chrome(doc):
    for chrome in CHROME:
        assert chrome not in doc.text
    assert not [p for p in paragraphs(doc) if p.strip() in {"<", ">", "×", "hide", ""}]


def rules(doc):
    return {(r.kind, r.rule) for r in doc.removed}


def test_wayback_replay_toolbar_scripts_comments_and_links():
    doc = extract_html(load("wayback_emis.html"))
    assert_no_chrome(doc)
    assert doc.archive == "wayback"
    assert doc.original_url == "https://emis.uis.unesco.org/unesco-gpe-launch-first-international-conference-on-emis/"
    assert doc.timestamp == "20180501103000" and doc.capture_time == "2018-05-01T10:30:00Z"
    assert doc.published == "2018-04-23"
    assert "PARIS - UNESCO and the Global Partnership for Education (GPE)" in doc.text
    # the headline is the title, not body text; the visible date is the published date
    assert doc.title.startswith("UNESCO & GPE Launch First International Conference")
    assert {("replay-insert", "replay.wayback-toolbar"), ("replay-insert", "replay.script"),
            ("replay-insert", "replay.file-archived-comment"),
            ("replay-insert", "replay.playback-timings-comment")} <= rules(doc)
    assert all(r.position == -1 for r in doc.removed if r.rule.startswith("replay."))
    assert any("bundle-playback.js" in r.text for r in doc.removed)


def test_wayback_links_are_unrewritten():
    tree, info = strip_replay(decode_html(load("wayback_emis.html")))
    hrefs = [a.get("href") for a in tree.iter("a")]
    srcs = [i.get("src") for i in tree.iter("img")]
    assert "https://emis.uis.unesco.org/category/news/" in hrefs
    assert "https://emis.uis.unesco.org/documents/" in hrefs
    assert srcs == ["https://emis.uis.unesco.org/wp-content/uploads/2018/04/emis-conf.jpg"]
    assert info.canonical == "https://emis.uis.unesco.org/unesco-gpe-launch-first-international-conference-on-emis/"
    serialised = lxml_html.tostring(tree, encoding="unicode")
    assert "/web/2018" not in serialised and "_static" not in serialised and "wm-ipp" not in serialised


def test_archive_it_replay_banner_curtain_and_qa():
    doc = extract_html(load("archiveit_iite.html"))
    assert_no_chrome(doc)
    assert doc.archive == "archive-it" and doc.collection == "3181"
    assert doc.capture_time == "2015-12-14T14:45:00Z" and doc.timestamp == "20151214144500"
    assert doc.organisation == "United Nations Educational, Scientific and Cultural Organization (UNESCO)"
    assert doc.collection_name == "UNESCO"
    assert doc.original_url == "http://iite.unesco.org/about/strategy/"
    assert {("banner", "banner.archive-it-sentence"), ("ui-crumb", "replay.archive-it-media-curtain"),
            ("ui-crumb", "replay.archive-it-media-button"), ("ui-crumb", "replay.archive-it-qa"),
            ("replay-insert", "replay.wayback-head-js")} <= rules(doc)
    banner = [r for r in doc.removed if r.rule == "banner.archive-it-sentence"][0]
    assert "This page was captured on 14:45:00 Dec 14, 2015" in banner.text
    for keep in ["IITE’s mission is to serve as a centre of excellence", "bridging the digital divide in education;",
                 "facilitating policy dialogue,and", "UNESCO Medium-Term Strategy for 2008-2013. Ref. 34 C/4."]:
        assert keep in doc.text
    assert "Download PDF version" not in doc.text
    tree, _ = strip_replay(decode_html(load("archiveit_iite.html")))
    assert "http://iite.unesco.org/about/" in [a.get("href") for a in tree.iter("a")]


def test_pywb_replay_insert_and_event_fields():
    doc = extract_html(load("pywb_gnlc.html"))
    assert_no_chrome(doc)
    assert doc.archive == "pywb" and doc.collection == "unesco"
    assert doc.original_url == "https://uil.unesco.org/event/unesco-learning-cities-meeting"
    assert doc.capture_time == "2020-12-06T07:20:20Z"
    assert ("replay-insert", "replay.pywb-insert") in rules(doc)
    assert doc.metadata == {"date": "17 November 2020", "where": "Event (Republic of Korea)"}
    assert "Date: 17 November 2020" in doc.text
    assert "© UNESCO" not in paragraphs(doc)


def test_capture_wins_over_page_facts_and_fills_gaps():
    capture = Capture(original_url="https://uil.unesco.org/x", timestamp="20210101000000", archive="pywb",
                      collection="mine")
    doc = extract_html(load("pywb_gnlc.html"), capture)
    assert doc.original_url == "https://uil.unesco.org/x" and doc.capture_time == "2021-01-01T00:00:00Z"
    assert doc.collection == "mine"
    replay = Capture(fetched_url="https://wayback.archive-it.org/3181/20151214144500/http://iite.unesco.org/about/strategy/")
    doc = extract_html(load("archiveit_iite.html"), replay)
    assert doc.archive == "archive-it" and doc.collection == "3181" and doc.timestamp == "20151214144500"


def test_raw_page_placeholders_truncated_copy_and_latin1():
    doc = extract_html(load("raw_ichei.html"))
    assert doc.archive is None and doc.capture_time is None
    assert doc.original_url == "https://en.ichei.org/news/detail/20240607-ichei-visited-unesco-ibe.html"
    assert doc.title == "ICHEI visited UNESCO International Bureau of Education"
    assert "under configuration" not in doc.text and "available soon" not in doc.text
    first = [p for p in paragraphs(doc) if p.startswith("On June 6, 2024")]
    assert len(first) == 1 and first[0].endswith("direction of future development.")
    assert "The meeting deepened the partnership" in doc.text  # figure captions are not body text
    assert doc.published == "2024-06-07"


@pytest.mark.parametrize("data", [b"", b"   ", b"\x00\x01\x02\xff\xfe" * 50, b"just some words, not html",
                                  b"<html></html>", b"<!-- only a comment -->", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"])
def test_junk_gives_an_empty_flagged_document(data):
    doc = extract_html(data)
    assert doc.text == "" and "empty" in doc.flags


def test_nav_only_page_falls_back_or_is_empty():
    doc = extract_html(b"<html><body><div><span>Tiny page</span></div></body></html>")
    assert "Tiny page" in doc.text or "empty" in doc.flags


# --- replays generated by the loopback archive (tests/fixtures/replays) ---------------------------
needs_replays = pytest.mark.skipif(not REPLAYS.is_dir(), reason="replay fixtures not generated")


@needs_replays
def test_replay_iite_archive_it():
    doc = extract_html(load("iite-strategy.archive-it.html", REPLAYS))
    assert_no_chrome(doc)
    assert doc.archive == "archive-it" and doc.collection == "3181"
    assert doc.capture_time == "2015-12-14T14:45:00Z" and doc.original_url == "http://iite.unesco.org/about/strategy/"
    assert doc.organisation == "United Nations Educational, Scientific and Cultural Organization (UNESCO)"
    assert doc.collection_name == "UNESCO"
    assert "Download PDF version" not in doc.text
    for keep in ["According to its Statutes, the Institute shall contribute",
                 "IITE’s mission is to serve as a centre of excellence", "bridging the digital divide in education;",
                 "building inclusive knowledge societies", "facilitating policy dialogue,and",
                 "initiating development of national strategies on application of ICTs in education.",
                 "IITE’s role is two-fold", "Capacity enhancement of Member States on ICTs",
                 "Fostering ICT-enhanced learning", "(1) policy and research,", "(5) global partnership.",
                 "UNESCO Medium-Term Strategy for 2008-2013. Ref. 34 C/4."]:
        assert keep in doc.text


@needs_replays
def test_replay_gnlc_archive_it():
    doc = extract_html(load("gnlc-event.archive-it.html", REPLAYS))
    assert_no_chrome(doc)
    assert doc.archive == "archive-it" and doc.capture_time == "2020-12-06T07:20:20Z"
    assert doc.collection_name == "UNESCO"
    assert doc.metadata == {"date": "17 November 2020", "where": "Event (Republic of Korea)"}
    assert paragraphs(doc)[0] == "UNESCO learning cities’ meeting on educational planning, monitoring and evaluation"
    assert "© UNESCO" not in paragraphs(doc) and "Home" not in paragraphs(doc)
    for keep in ["Date: 17 November 2020", "Where: Event (Republic of Korea)",
                 "On Tuesday, 17 November 2020, members of the UNESCO Global Network of Learning Cities",
                 "In a context of increasing decentralisation", "During this online event",
                 "The conference will be held in English.",
                 "https://zoom.us/meeting/register/tJIvce-uqT0pHNT2KJjq94ZM0cGcr-6unZni",
                 "Language of event: English"]:
        assert keep in doc.text


@needs_replays
def test_replay_emis_wayback():
    doc = extract_html(load("emis-conference.wayback.html", REPLAYS))
    assert_no_chrome(doc)
    assert doc.archive == "wayback" and doc.capture_time == "2018-05-01T10:30:00Z"
    assert doc.original_url == "https://emis.uis.unesco.org/unesco-gpe-launch-first-international-conference-on-emis/"
    assert doc.published == "2018-04-23"
    seed = (Path(__file__).parent / "fixtures" / "seeds" / "003_869eed1de27bbaf4.txt").read_text(encoding="utf-8")
    text = " ".join(doc.text.split())
    headline, date = "UNESCO & GPE Launch First International Conference", "23-Apr-2018"
    assert doc.title.startswith(headline) and doc.published == "2018-04-23"
    for line in seed.splitlines():
        # every body line stays; the "News" label, the headline (the title) and the date are page furniture
        if line.strip() and line.strip() != "News" and not line.startswith((headline, date)):
            assert " ".join(line.split()) in text


@needs_replays
@pytest.mark.parametrize("raw, replay", [("gnlc-event-2020.html", "gnlc-event.archive-it.html"),
                                         ("emis-conference.html", "emis-conference.wayback.html"),
                                         ("iite-strategy.html", "iite-strategy.archive-it.html")])
def test_the_same_page_raw_or_replayed_gives_byte_identical_text(raw, replay):
    pages = Path(__file__).resolve().parent.parent / "data" / "pages"
    as_archived = extract_html((pages / raw).read_bytes())
    as_replayed = extract_html(load(replay, REPLAYS))
    assert as_archived.text == as_replayed.text and as_archived.content_hash == as_replayed.content_hash
