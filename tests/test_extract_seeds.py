"""The five seed text dumps through extract_text: the dirt goes, the named real text stays."""
import re
from pathlib import Path

import pytest

from extractors import EXTRACTOR_VERSION, extract_text

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
DIRT = ["You are viewing an archived web page", "Loading media information", "Vestibulum non molestie quam",
        "Will be available soon", "under configuration", "Enable QA", "View Missing URLs"]
DIRT_CASELESS = ["lorem ipsum", "insert text"]
LONE = {"<", ">", "×", "‹", "›", "\u00a0", ""}


def extract(name):
    return extract_text((SEEDS / name).read_text(encoding="utf-8"))


def paragraphs(document):
    return document.text.split("\n\n")


def assert_clean(document):
    for dirt in DIRT:
        assert dirt not in document.text
    for dirt in DIRT_CASELESS:
        assert dirt not in document.text.casefold()
    assert not [p for p in paragraphs(document) if p.strip() in LONE]
    assert document.extractor_version == EXTRACTOR_VERSION
    assert re.fullmatch(r"[0-9a-f]{64}", document.content_hash)
    assert document.language == "en" and 0.5 < document.language_score <= 1.0


def rules(document):
    return {(r.kind, r.rule) for r in document.removed}


def test_iiep_lorem_filler_and_placeholders_go_real_text_stays():
    doc = extract("000_dfd46ab53c238e84.txt")
    assert_clean(doc)
    mission = [p for p in paragraphs(doc) if p.startswith("A wide range of Member States")]
    assert len(mission) == 1
    assert mission[0].endswith("which remains at the core of its interventions at country level.")
    for keep in ["Foreward", "IIEP’s strategy is to continue expanding the use of blended and online course modalities.",
                 "Research & Development", "Technical Cooperation", "Knowledge Sharing", "Our Impact",
                 "Grouping IIEP’s value streams", "Putting the strategy into motion",
                 "The International Commission on the Futures of Education argues for the “regenerative” potential"]:
        assert keep in doc.text
    assert {("placeholder", "placeholder.lorem-ipsum"), ("placeholder", "filler.latin-tail"),
            ("placeholder", "placeholder.insert-text")} <= rules(doc)
    tail = [r for r in doc.removed if r.rule == "filler.latin-tail"]
    assert tail[0].text.startswith("Vestibulum non molestie quam.") and tail[0].position == 3
    assert "mostly-placeholder" not in doc.flags


def test_iite_banner_metadata_lists_and_footnote():
    doc = extract("001_876d7f9378d6fbdf.txt")
    assert_clean(doc)
    assert doc.capture_time == "2015-12-14T14:45:00Z" and doc.timestamp == "20151214144500"
    assert doc.organisation == "United Nations Educational, Scientific and Cultural Organization (UNESCO)"
    assert doc.collection_name == "UNESCO" and doc.archive == "archive-it"
    assert "Download PDF version" not in doc.text
    for keep in ["IITE’s mission is to serve as a centre of excellence",
                 "• bridging the digital divide in education;",
                 "• building inclusive knowledge societies by reinforcement of national capacities",
                 "• facilitating policy dialogue,and",
                 "• initiating development of national strategies on application of ICTs in education.",
                 "1. Capacity enhancement of Member States", "2. Fostering ICT-enhanced learning",
                 "(1) policy and research,", "(5) global partnership.", "IITE Strategy 2008-2013",
                 "Millennium Development Goals", "UNESCO Medium-Term Strategy for 2008-2013. Ref. 34 C/4."]:
        assert keep in doc.text
    assert {("banner", "banner.archive-it-sentence"), ("ui-crumb", "crumb.media-loading"),
            ("ui-crumb", "crumb.download-pdf")} <= rules(doc)


def test_ichei_placeholders_and_truncated_repeat():
    doc = extract("002_65cb92e843f99e49.txt")
    assert_clean(doc)
    first = [p for p in paragraphs(doc) if p.startswith("On June 6, 2024, a delegation")]
    assert len(first) == 1 and first[0].endswith("to discuss the direction of future development.")
    assert paragraphs(doc).index(first[0]) == 2  # the first occurrence's place, after title and date
    for keep in ["ICHEI visited UNESCO International Bureau of Education", "2024.06.07",
                 "Ms. BI Xiaohan, Deputy Director of UNESCO-ICHEI (Left)",
                 "and Mr. Svein Oesttveit, Director a.i. of UNESCO-IBE (Right)", "UNESCO-ICHEI visited UNESCO-IBE",
                 "About IBE", "Founded in 1925 in Geneva"]:
        assert keep in doc.text
    assert {("placeholder", "placeholder.under-configuration"), ("placeholder", "placeholder.available-soon"),
            ("duplicate", "duplicate.truncated")} <= rules(doc)
    assert doc.published == "2024-06-07"


def test_emis_loses_nothing():
    source = (SEEDS / "003_869eed1de27bbaf4.txt").read_text(encoding="utf-8")
    doc = extract("003_869eed1de27bbaf4.txt")
    assert_clean(doc)
    assert doc.removed == []
    expected = [" ".join(line.split()) for line in source.splitlines() if line.strip()]
    assert [" ".join(p.split()) for p in paragraphs(doc)] == expected
    assert doc.published == "2018-04-23"


def test_gnlc_crumbs_banner_and_event_fields():
    doc = extract("004_bee2e0187023cbbb.txt")
    assert_clean(doc)
    assert doc.capture_time == "2020-12-06T07:20:20Z"
    assert doc.organisation == "United Nations Educational, Scientific and Cultural Organization (UNESCO)"
    assert doc.collection_name == "UNESCO"
    assert doc.metadata == {"date": "17 November 2020", "where": "Event (Republic of Korea)"}
    assert paragraphs(doc)[0] == "UNESCO learning cities’ meeting on educational planning, monitoring and evaluation"
    assert "© UNESCO" not in paragraphs(doc) and "Home" not in paragraphs(doc)
    for keep in ["Date: 17 November 2020", "Where: Event (Republic of Korea)",
                 "On Tuesday, 17 November 2020, members of the UNESCO Global Network of Learning Cities",
                 "In a context of increasing decentralisation", "During this online event",
                 "Programme download", "The conference will be held in English.", "Join the event:",
                 "https://zoom.us/meeting/register/tJIvce-uqT0pHNT2KJjq94ZM0cGcr-6unZni",
                 "UNESCO Global Network of learning Cities (GNLC)", "Language of event: English",
                 "Related Document", "Related Content"]:
        assert keep in doc.text
    crumbs = [r for r in doc.removed if r.rule == "crumb.lone-symbol"]
    assert {r.text.strip() for r in crumbs} == {"<", "×", ">", ""}  # the no-break-space lines too
    assert {("ui-crumb", "crumb.home-top"), ("ui-crumb", "crumb.credit"),
            ("banner", "banner.archive-it-sentence")} <= rules(doc)


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_every_removal_is_named_and_positioned(name):
    doc = extract(name)
    lines = [line for line in (SEEDS / name).read_text(encoding="utf-8").split("\n") if line.strip(" \t")]
    for removal in doc.removed:
        assert removal.kind in {"banner", "ui-crumb", "placeholder", "duplicate"}
        assert re.fullmatch(r"[a-z]+\.[a-z-]+", removal.rule)
        assert removal.text.strip(" \t") in lines[removal.position] or removal.text in lines[removal.position]


def test_a_wayback_toolbar_copied_into_a_dump_goes_and_tells_the_capture():
    text = (Path(__file__).parent / "fixtures" / "dumps" / "wayback-toolbar-iiep.txt").read_text(encoding="utf-8")
    doc = extract_text(text)
    assert doc.archive == "wayback" and doc.capture_time == "2019-03-15T08:30:12Z"
    assert doc.original_url == "http://www.iiep.unesco.org/en/about-us"
    for dirt in ("captures", "About this capture", "COLLECTED BY", "TIMESTAMPS", "Skip to main content", "Follow us"):
        assert dirt not in doc.text
    assert doc.text.startswith("About us\n\nIIEP is UNESCO's specialized institute for educational planning.")
    assert sum(r.rule == "replay.wayback-toolbar-text" for r in doc.removed) == 15


def test_toolbar_words_in_the_body_of_a_dump_stay():
    doc = extract_text("TIMESTAMPS\nAbout this capture\nThe report lists 58 captures of the page made by the archive.")
    assert "About this capture" in doc.text and "TIMESTAMPS" in doc.text
