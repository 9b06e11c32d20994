"""Properties: extract_html never raises, extraction is deterministic, extract_text only keeps input text."""
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from extractors import extract_html, extract_text
from extractors.decode import clean_text, normalise_paragraph

SETTINGS = settings(max_examples=100, deadline=None)
TAGS = st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<html>", "<body>", "<script>", "</script>", "<!--",
                        "-->", "<wb_div id=\"wm-disclaim\">", "<!-- WB Insert -->", "<br>", "<li>", "<h1>", "&nbsp;"])
WORDS = st.sampled_from(["UNESCO", "lorem ipsum", "Home", "<", "×", "hide", "Loading media information", "insert text 2",
                         "education planning", "The site is currently under configuration", "Date: 1 May 2020",
                         "You are viewing an archived web page, collected at the request of X using Archive-It.",
                         "Vestibulum non molestie quam. Donec pulvinar faucibus consectetur.", "\n", "\u00a0"])
TEXT_ALPHABET = st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029") | st.just("\n")


@SETTINGS
@given(st.binary(max_size=2000))
def test_extract_html_never_raises_on_bytes(data):
    doc = extract_html(data)
    assert isinstance(doc.text, str)


@SETTINGS
@given(st.lists(TAGS | WORDS | st.text(max_size=30), max_size=40))
def test_extract_html_never_raises_on_html_like_soup(parts):
    doc = extract_html("".join(parts).encode("utf-8", "surrogatepass"))
    assert isinstance(doc.text, str) and ("empty" in doc.flags) == (doc.text == "")


@SETTINGS
@given(st.lists(TAGS | WORDS, min_size=1, max_size=30))
def test_extraction_is_deterministic(parts):
    data = ("<html><body>" + " ".join(parts) + "</body></html>").encode()
    first, second = extract_html(data), extract_html(data)
    assert first == second
    assert extract_text(" ".join(parts)) == extract_text(" ".join(parts))


def _collapse(text):
    return " ".join(unicodedata.normalize("NFC", text).split())


# The input is compared after the same encoding repair extract_text applies (ftfy.fix_encoding turns
# mojibake such as "Ã©" back into "é"): the claim is "nothing invented", not "no byte changed".


@SETTINGS
@given(st.lists(WORDS | st.text(TEXT_ALPHABET, max_size=80), max_size=30))
def test_every_output_paragraph_of_extract_text_occurs_in_the_input(parts):
    source = "\n".join(parts)
    doc = extract_text(source)
    # compared in the form paragraphs are stored in: invisible characters out, spaces collapsed
    haystack = normalise_paragraph(clean_text(source))
    for paragraph in doc.text.split("\n\n") if doc.text else []:
        assert normalise_paragraph(paragraph) in haystack
