"""The named paragraph rules one by one, and the helpers around them."""
from extractors.cleaning import clean_paragraphs, is_filler_sentence, normalise, split_latin_tail
from extractors.decode import decode_html, normalise_paragraph
from extractors.metadata import event_fields, fallback_date, parse_banner
from extractors.replay import unrewrite_url


def rule_of(paragraphs):
    kept, removals = clean_paragraphs(paragraphs)
    return kept, [r.rule for r in removals]


def test_banner_variants():
    for line in [
        "hide You are viewing an archived web page, collected at the request of UNESCO using Archive-It. This page "
        "was captured on 14:45:00 Dec 14, 2015, and is part of the UNESCO collection. The information on this web "
        "page may be out of date. See All versions of this archived page. Loading media information hide",
        "You are viewing an archived web page, collected at the request of UNESCO using Archive-It. This page was "
        "captured on 7:20:20 Dec 6 2020. The information on this web page may be out of date.",
    ]:
        kept, rules = rule_of([line, "Real text."])
        assert kept == ["Real text."] and rules == ["banner.archive-it-sentence"]
    kept, rules = rule_of(["The Wayback Machine - https://web.archive.org/web/2015/http://x.org/", "Real text."])
    assert kept == ["Real text."] and rules == ["banner.wayback-print"]


def test_parse_banner_tolerates_spacing_missing_comma_and_no_collection():
    found = parse_banner("You are viewing an archived web page, collected at the request of  Some Org  using "
                         "Archive-It. This page was captured on 14:45:00 Dec 14 2015 and is part of the  Web "
                         "Archive  collection.")
    assert found == {"organisation": "Some Org", "capture_time": "2015-12-14T14:45:00Z",
                     "timestamp": "20151214144500", "collection_name": "Web Archive"}
    found = parse_banner("You are viewing an archived web page, collected at the request of UNESCO using Archive-It. "
                         "This page was captured on 07:20:20 Dec 06, 2020. The information may be out of date.")
    assert found["capture_time"] == "2020-12-06T07:20:20Z" and "collection_name" not in found


def test_crumbs():
    kept, rules = rule_of(["Home", "<", "\u00a0", "×", "›", "Download PDF version", "Title", "Home",
                           "© UNESCO", "© UNESCO/John Smith 2019", "Enable QA", "View Missing URLs", "hide",
                           "Found 3 archived media items out of 12 total on this page."])
    assert kept == ["Title", "Home"]  # a later "Home" is not the top crumb
    assert rules[0] == "crumb.home-top" and rules.count("crumb.lone-symbol") == 4
    assert {"crumb.download-pdf", "crumb.credit", "crumb.qa", "crumb.hide", "crumb.media-loading"} <= set(rules)


def test_placeholders_are_whole_paragraph_rules():
    kept, rules = rule_of(["Lorem ipsum dolor sit amet.", "Real text with lorem ipsum inside goes too.",
                           "insert text 2", "Insert text 3", "The site is currently under configuration",
                           "Under construction", "Will be available soon......", "Coming soon!",
                           "The report will be available soon on our website, with data for 2020.",
                           "We insert text 2 times into each form."])
    assert kept == ["The report will be available soon on our website, with data for 2020.",
                    "We insert text 2 times into each form."]
    assert rules == ["placeholder.lorem-ipsum", "placeholder.lorem-ipsum", "placeholder.insert-text",
                     "placeholder.insert-text", "placeholder.under-configuration",
                     "placeholder.under-configuration", "placeholder.available-soon", "placeholder.available-soon"]


def test_latin_tail_and_latin_paragraph():
    real = "It also reflects the emphasis on capacity, which remains at the core of its work."
    split = split_latin_tail(real + " Vestibulum non molestie quam. Donec pulvinar faucibus consectetur.")
    assert split == (real, "Vestibulum non molestie quam. Donec pulvinar faucibus consectetur.")
    assert split_latin_tail(real) is None
    assert split_latin_tail("Carpe diem. Et cetera in vitro.") is None  # Latin quotation, not filler
    assert is_filler_sentence("Sed vulputate arcu quis mi vestibulum sollicitudin.")
    assert not is_filler_sentence("In a nutshell, the plan works.")
    kept, rules = rule_of(["Sed vulputate arcu quis mi vestibulum sollicitudin. Nullam ultrices finibus cursus."])
    assert kept == [] and rules == ["filler.latin-paragraph"]


def test_duplicates_exact_truncated_and_short_repeats():
    full = "On June 6, 2024, a delegation of the Centre visited the Bureau to discuss the future of education."
    cut = "On June 6, 2024, a delegation of the Centre visited the Bureau to"
    kept, rules = rule_of(["Training", full, "Training", "Other text here.", cut, full])
    assert kept == ["Training", full, "Training", "Other text here."]
    assert rules == ["duplicate.truncated", "duplicate.exact"]
    # the truncated copy comes first: the full one takes its place
    kept, rules = rule_of([cut, "Middle paragraph.", full])
    assert kept == [full, "Middle paragraph."] and rules == ["duplicate.truncated"]
    # a heading that begins a paragraph and ends like a sentence is not a truncated copy
    heading = "Member States develop their capacity to plan and manage."
    kept, _ = rule_of([heading, heading[:-1] + " effectively for education sector development."])
    assert len(kept) == 2
    assert normalise("  Ａ  Test—CASE! ") == "a test case"


def test_real_text_stays():
    real = ["Foreward", "Date: 17 November 2020", "Where: Event (Republic of Korea)", "• bridging the divide;",
            "1UNESCO Medium-Term Strategy for 2008-2013. Ref. 34 C/4.", "“Education is a right”, she said.",
            "Programme download", "Related Document", "Home page of the institute"]
    kept, rules = rule_of(real)
    assert kept == real and rules == []


def test_event_fields_dates_and_urls():
    assert event_fields(["• Date: 17 November 2020", "  • Where: Event (Republic of Korea)", "Date: later"]) == {
        "date": "17 November 2020", "where": "Event (Republic of Korea)"}
    assert fallback_date(["News", "23-Apr-2018"]) == "2018-04-23"
    assert fallback_date(["2024.06.07"]) == "2024-06-07"
    assert fallback_date(["2024.06.07"], max_date="2020-01-01") is None
    assert unrewrite_url("/web/20180501103000cs_/https://x.org/a.css", replay=True) == "https://x.org/a.css"
    assert unrewrite_url("/unesco/20201206072020mp_/https://x.org/", replay=True) == "https://x.org/"
    assert unrewrite_url("https://web.archive.org/web/2018/http://x.org/", replay=False) == "http://x.org/"
    assert unrewrite_url("/news/2018/05/", replay=True) is None
    assert unrewrite_url("https://other.org/web/2018/http://x.org/", replay=True) is None


def test_decoding():
    assert decode_html("<meta charset='iso-8859-1'><p>Caf\xe9</p>".encode("latin-1")).endswith("Café</p>")
    assert decode_html("<p>Café</p>".encode("utf-8")) == "<p>Café</p>"
    assert decode_html("\ufeff<p>Café</p>".encode("utf-8")) == "<p>Café</p>"
    assert decode_html(b"<p>Caf\xe9 \x93q\x94</p>") == "<p>Café “q”</p>"
    assert normalise_paragraph("CafÃ© culture") == "Café culture"  # mojibake repaired, per paragraph
    assert decode_html("<p>x\u00a0y</p>".encode("utf-16")) == "<p>x\u00a0y</p>"


def test_copies_glued_to_the_end_of_a_paragraph_are_cut():
    from extractors.cleaning import clean_paragraphs

    first = "Stadia, Google's streaming gaming platform, launches today. Is it the first step to a new era?"
    own = "Stadia's performance is promising at worst, and impressive at best, says our reviewer."
    paragraphs = [first, own + " " + own, "If you are on the fence, wait for reviews. " + first[:72]]
    kept, removed = clean_paragraphs(paragraphs)
    assert kept == [first, own, "If you are on the fence, wait for reviews."]
    assert [(r.rule, r.position) for r in removed] == [("duplicate.repeated-tail", 1), ("duplicate.repeated-tail", 2)]


def test_a_paragraph_quoting_another_is_left_alone():
    from extractors.cleaning import clean_paragraphs

    first = "The conference focused on the importance of EMIS in improving the delivery of quality education."
    quoting = "As the organisers put it: The conference focused on the importance of EMIS in improving the delivery of quality education, and more."
    assert clean_paragraphs([first, quoting])[0] == [first, quoting]


def test_paragraphs_are_normalised_for_search_and_comparison():
    from extractors import extract_html, extract_text

    dump = extract_text("Edu\u00adcation\u200b for\u00a0all  is  a right.\nCafe\u0301 culture.\n\u00a0\n")
    assert dump.text == "Education for all is a right.\n\nCafé culture."
    assert [r.rule for r in dump.removed] == ["crumb.lone-symbol"]  # the no-break-space line is recorded
    page = extract_html("<html><body><article><p>Edu\u00adcation\u200b for\u00a0all is a human right and a common "
                        "good, said the report.</p><p>Zero\u200dwidth joiners stay: they spell words.</p></article></body></html>".encode())
    assert "Education for all is a human right" in page.text and "\u200d" in page.text


def test_mojibake_in_a_page_is_repaired_in_its_text_and_title():
    from extractors import extract_html

    page = ("<html><head><title>CafÃ© Ã  Paris</title></head><body><article><p>The cafÃ© culture of Paris is "
            "described in the report, with its terraces and its regulars.</p></article></body></html>").encode()
    document = extract_html(page)
    assert "café culture" in document.text and document.title == "Café à Paris"
