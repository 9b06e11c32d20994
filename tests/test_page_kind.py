"""Captures that are not pages: archived redirects and errors, soft 404s, cookie walls."""
import pytest

from extractors import extract_html
from extractors.capture import Capture
from extractors.page_kind import page_flags

ARTICLE = ["UNESCO and GPE joined forces to support countries maximize EMIS " * 5, "The conference was held in Paris."]


@pytest.mark.parametrize("title, paragraphs, status, expected", [
    ("Wayback Machine", ["Got an HTTP 302 response at crawl time", "Redirecting to...", "https://iite.unesco.org/en/"], 200,
     ["archived-redirect"]),
    (None, ["Moved"], 301, ["archived-redirect"]),
    ("429 Too Many Requests", ["Too Many Requests", "nginx"], 200, ["archived-error"]),
    ("Service Unavailable", ["The server is temporarily unable to service your request."], 200, ["archived-error"]),
    (None, ["Anything"], 503, ["archived-error"]),
    ("Page not found | IIEP", ["The page you requested could not be found.", "Go back home"], 200, ["soft-404"]),
    ("Erreur", ["Page introuvable"], 200, ["soft-404"]),
    (None, ["x"], 404, ["soft-404"]),
    ("Cookies", ["This website uses cookies to ensure you get the best experience.", "Accept all cookies"], 200,
     ["cookie-wall"]),
    ("UNESCO & GPE Launch Conference", ARTICLE, 200, []),
    ("404 errors in EMIS data", ["long " * 200], 200, []),  # long content mentioning an error is content
])
def test_page_flags(title, paragraphs, status, expected):
    assert page_flags(title, paragraphs, status) == expected


def test_an_archived_429_page_is_flagged_by_extraction():
    html = b"<html><head><title>429 Too Many Requests</title></head><body><h1>429 Too Many Requests</h1><hr><center>nginx</center></body></html>"
    document = extract_html(html, Capture("https://iite.unesco.org/", "20200101000000", "wayback", status=200))
    assert "archived-error" in document.flags


def test_the_archived_status_from_cdx_decides_first():
    html = b"<html><body><h1>Moved Permanently</h1><p>The document has moved <a href='/en/'>here</a>.</p></body></html>"
    document = extract_html(html, Capture("https://iite.unesco.org/", "20200101000000", "wayback", status=301))
    assert document.flags[-1] == "archived-redirect"
