"""The benchmark's metric and archive wrapper, on tiny inline texts and pages (no ../shared needed)."""
import random
import sys
from pathlib import Path

import lxml.html
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.archive_wrap import (  # noqa: E402
    CRUMBS, FILLER, PLACEHOLDERS, STYLES, Wrapped, count_occurrences, norm_tokens, ts_to_human, wrap)
from bench.metric import aggregate, evaluate, page_scores, shingles, tokenize  # noqa: E402


# --------------------------------------------------------------------------- metric

def test_tokenize_keeps_case_and_unicode_words():
    assert tokenize("Hello, wörld! 2019-11-18 don't") == ["Hello", "wörld", "2019", "11", "18", "don", "t"]
    assert tokenize(None) == []


def test_shingles_short_and_empty():
    assert shingles("") == {}
    assert shingles("a b") == {("a", "b"): 1}
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}


def test_identical_is_perfect():
    text = "The quick brown fox jumps over the lazy dog.\n\nAnd then it ran away."
    s = evaluate([(text, text), ("short one", "short one")])
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)


def test_disjoint_is_zero():
    s = evaluate([("alpha beta gamma delta epsilon", "one two three four five six")])
    assert (s.precision, s.recall, s.f1) == (0.0, 0.0, 0.0)


def test_partial_overlap_by_hand():
    # truth shingles {abcd, bcde}, prediction {abcd, bcdx}: TP 1, FP 1, FN 1 -> normalised 1/3 each
    tp, fp, fn = page_scores("a b c d e", "a b c d x")
    assert (tp, fp, fn) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    # truth 3 shingles, prediction is the first of them: TP 1, FP 0, FN 2 -> P 1, R 1/3
    assert page_scores("one two three four five six", "one two three four") == pytest.approx((1 / 3, 0, 2 / 3))
    s = evaluate([("a b c d e", "a b c d x"), ("one two three four five six", "one two three four")])
    p, r = (0.5 + 1.0) / 2, (0.5 + 1 / 3) / 2
    assert s.precision == pytest.approx(p)
    assert s.recall == pytest.approx(r)
    assert s.f1 == pytest.approx(2 * p * r / (p + r))  # harmonic mean of the averages


def test_shingles_are_a_multiset():
    # a duplicated text costs precision: pred shingles abcd x2, bcda, cdab, dabc -> TP 1, FP 4
    s = evaluate([("a b c d", "a b c d a b c d")])
    assert s.precision == pytest.approx(0.2)
    assert s.recall == 1.0


def test_case_matters_like_upstream():
    assert evaluate([("The cat sat down", "the cat sat down")]).f1 == 0.0


def test_empty_texts_follow_upstream():
    # empty prediction: recall 0, page left out of the precision average
    s = evaluate([("a b c d e", "a b c d e"), ("a b c d e", "")])
    assert (s.precision, s.recall) == (1.0, 0.5)
    # both empty: left out of both averages
    s = evaluate([("a b c d e", "a b c d e"), ("", "")])
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)
    # prediction on an empty truth: precision 0, left out of recall
    s = evaluate([("a b c d e", "a b c d e"), ("", "x y z w v")])
    assert (s.precision, s.recall) == (0.5, 1.0)
    assert aggregate([]).f1 == 0.0


# --------------------------------------------------------------------------- archive_wrap

PARAS = [
    "The institute opened its new laboratory for marine biology on Monday morning.",
    "Researchers will study coral reefs and the effects of warming water on fish populations.",
    "The director said the building was funded by a grant from the regional government.",
    "Visitors can tour the laboratory every first Saturday of the month, free of charge.",
]
TRUTH = "\n".join(PARAS)
URL = "https://www.example.org/news/lab-opening.html"
TS = "20151214144500"
PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Lab opening</title>
<link rel="stylesheet" href="/css/site.css"><script src="/js/app.js"></script>
<link rel="canonical" href="https://www.example.org/news/lab-opening.html"></head>
<body><nav><a href="/">Home</a> <a href="/about">About</a> <a href="https://other.net/x">Partner</a></nav>
<article><h1>New lab</h1><img src="img/lab.jpg" alt="The lab">
<p>{PARAS[0]}</p><p>{PARAS[1]}</p><div class="inner"><p>{PARAS[2]}</p></div><p>{PARAS[3]}</p>
</article><footer><p>Copyright 2015 Example Institute. All rights reserved.</p></footer></body></html>"""


def _text(html: str) -> str:
    return " ".join(" ".join(lxml.html.document_fromstring(html).itertext()).split())


def _wrap(style, seed=1, page=PAGE, truth=TRUTH):
    return wrap(page, URL, TS, style, random.Random(seed), truth=truth)


def test_ts_to_human():
    assert ts_to_human("20151214144500") == "14:45:00 Dec 14, 2015"


def test_wayback_markers_and_links():
    w = _wrap("wayback")
    h = w.html
    assert isinstance(w, Wrapped) and w.style == "wayback"
    assert h.index("<head") < h.index("/_static/js/wombat.js") < h.index("<!-- End Wayback Rewrite JS Include -->") \
        < h.index("<title>")
    assert h.index("<body") < h.index("<!-- BEGIN WAYBACK TOOLBAR INSERT -->") < h.index('id="wm-ipp-base"') \
        < h.index('id="wm-ipp"') < h.index("<!-- END WAYBACK TOOLBAR INSERT -->") < h.index("<nav>")
    for marker in ("captures", "About this capture", "COLLECTED BY", "TIMESTAMPS", 'id="wm-ipp-print"',
                   f"The Wayback Machine - https://web.archive.org/web/{TS}/{URL}"):
        assert marker in h
    assert h.index("</html>") < h.index("FILE ARCHIVED ON 14:45:00 Dec 14, 2015") < h.index("playback timings (ms)")
    assert f'href="/web/{TS}/https://www.example.org/about"' in h
    assert f'href="https://web.archive.org/web/{TS}/https://other.net/x"' in h
    assert f'src="/web/{TS}im_/https://www.example.org/news/img/lab.jpg"' in h
    assert f'src="/web/{TS}js_/https://www.example.org/js/app.js"' in h
    assert f'href="/web/{TS}cs_/https://www.example.org/css/site.css"' in h
    assert f'href="/web/{TS}/https://www.example.org/news/lab-opening.html"' in h  # canonical


def test_archive_it_markers_and_links():
    h = _wrap("archive-it").html
    assert "WB_wombat_Init(" in h and "<!-- End Wayback Rewrite JS Include -->" in h
    assert h.index("<body") < h.index('<wb_div id="wm-disclaim"') < h.index("<nav>")
    text = " ".join(lxml.html.document_fromstring(h).text_content().split())
    assert "hide You are viewing an archived web page, collected at the request of " in text
    assert "using Archive-It. This page was captured on 14:45:00 Dec 14, 2015" in text
    assert "The information on this web page may be out of date. See All versions of this archived page." in text
    for marker in ('id="wm-media-button"', "Loading media information", 'id="qaMissingUrlsDiv"', "Enable QA",
                   "View Missing URLs", 'id="wm-media-curtain"', "<td>&lt;</td>", "<td>\u00a0</td>", "×",
                   "<td>&gt;</td>", "FILE ARCHIVED ON"):
        assert marker in h
    assert "/" + TS + "/https://www.example.org/about" in h


def test_archive_it_varies_organisation():
    orgs = set()
    for seed in range(30):
        sentence = next(t for k, t in _wrap("archive-it", seed).injected if k == "archive-it-banner" and
                        t.startswith("You are viewing"))
        orgs.add(sentence.split("request of ", 1)[1].split(" using", 1)[0])
    assert len(orgs) >= 3


def test_pywb_markers_and_links():
    h = _wrap("pywb").html
    assert h.index("<head") < h.index("<!-- WB Insert -->") < h.index("wbinfo.timestamp") \
        < h.index("wombat.js") < h.index("<!-- End WB Insert -->") < h.index("<title>")
    assert f"{TS}mp_/https://www.example.org/about" in h
    assert f"{TS}im_/https://www.example.org/news/img/lab.jpg" in h
    assert "wm-ipp" not in h and "wm-disclaim" not in h  # framed mode: no banner in the page


@pytest.mark.parametrize("style", STYLES)
def test_injected_pieces_are_in_the_html(style):
    w = _wrap(style)
    kinds = {k for k, _ in w.injected}
    assert {"duplicate", "truncated", "placeholder", "filler", "crumb"} <= kinds
    assert w.article_paragraphs == 4
    text = _text(w.html)
    root = lxml.html.document_fromstring(w.html)
    p_texts = [" ".join(p.text_content().split()) for p in root.iter("p")]
    for kind, piece in w.injected:
        if kind.endswith("comment") or kind == "head-script":
            assert piece in w.html, (kind, piece)
        elif kind == "crumb":
            assert piece in p_texts
        elif kind == "archive-it-curtain":
            cells = [td.text_content() for td in root.get_element_by_id("wm-media-curtain").iter("td")]
            assert piece in cells
        elif kind in ("duplicate", "truncated"):
            assert count_occurrences(piece, text) >= 2, (kind, piece)  # the original and the copy
        else:
            assert count_occurrences(piece, text) >= 1, (kind, piece)


@pytest.mark.parametrize("style", STYLES + ("none",))
def test_ground_truth_paragraphs_survive(style):
    w = _wrap(style)
    text = _text(w.html)
    for para in PARAS:
        assert count_occurrences(para, text) >= 1
    if style == "none":
        assert not any(k.startswith(("wayback", "archive-it", "head-script")) for k, _ in w.injected)


def test_dirt_shapes():
    w = _wrap("none")
    root = lxml.html.document_fromstring(w.html)
    got = dict((k, t) for k, t in w.injected if k != "crumb")
    # the duplicate is the last child of its original's parent
    dup = got["duplicate"]
    copies = [p for p in root.iter("p") if " ".join(p.text_content().split()) == dup]
    assert len(copies) == 2 and copies[1].getparent()[-1] is copies[1]
    # the truncated copy: a prefix of the first paragraph, 40-70 % of it (+- a word), not ending a sentence
    trunc = got["truncated"]
    assert PARAS[0].startswith(trunc) and 0.3 * len(PARAS[0]) <= len(trunc) <= 0.7 * len(PARAS[0])
    assert not trunc.endswith((".", "!", "?"))
    assert got["placeholder"] in PLACEHOLDERS
    assert got["filler"] == FILLER
    assert any(FILLER in p.text_content() and p.text_content().startswith(tuple(PARAS)) for p in root.iter("p"))
    assert [t for k, t in w.injected if k == "crumb"] == list(CRUMBS)


def test_deterministic_for_a_seed():
    for style in STYLES:
        a, b = _wrap(style, seed=7), _wrap(style, seed=7)
        assert a.html == b.html and a.injected == b.injected
    variants = {(_wrap("archive-it", seed=s).html) for s in range(6)}
    assert len(variants) > 1


def test_article_outside_p_gets_dirt_in_its_container():
    page = ("<html><head><title>x</title></head><body><div id='menu'>Home | News</div>"
            f"<div class='story'>{PARAS[0]}<br><br>{PARAS[1]}<br><br>{PARAS[2]}</div></body></html>")
    truth = "\n".join(PARAS[:3])
    w = _wrap("wayback", page=page, truth=truth)
    assert w.article_paragraphs == -1
    assert {"duplicate", "truncated", "placeholder", "filler", "crumb"} <= {k for k, _ in w.injected}
    text = _text(w.html)
    for para in PARAS[:3]:
        assert count_occurrences(para, text) >= 1


def test_no_truth_uses_long_paragraphs():
    w = wrap(PAGE, URL, TS, "pywb", random.Random(3))
    assert w.article_paragraphs == 4  # the footer line is too short to count


def test_unknown_style():
    with pytest.raises(ValueError):
        _wrap("webrecorder")


def test_count_occurrences_normalises():
    assert count_occurrences("Hello,  World", "hello world! HELLO WORLD. hello worlds") == 2
    assert norm_tokens("Ｆｕｌｌ width") == "full width"


# --------------------------------------------------------------------------- residue scoring

def test_residues_on_truth_and_on_page_text():
    from bench.extraction import WrappedPage, residues

    w = _wrap("archive-it")
    page = WrappedPage("x", w.html.encode(), TRUTH, w.style, w.injected, w.article_paragraphs)
    clean = residues([page], [TRUTH])
    assert clean["banner"] == clean["duplicate"] == clean["placeholder"] == clean["crumbs"] == 0
    root = lxml.html.document_fromstring(w.html)
    dirty_text = "\n".join(" ".join(el.text_content().split()) for el in root.iter("p", "wb_div", "td", "span"))
    dirty = residues([page], [dirty_text])
    assert dirty["banner"] == dirty["duplicate"] == dirty["placeholder"] == dirty["crumbs"] == 1
