import sys
from pathlib import Path

# tests import their helpers module as `helpers`
sys.path.insert(0, str(Path(__file__).parent))


# --- the loopback archive (winnow.loopback) over a tiny archive built in a temp dir -------------
import importlib.util  # noqa: E402
import json  # noqa: E402

import pytest  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent

# Small pages with every kind of link the rewriter must handle
HOME = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Home</title>
<link rel="canonical" href="http://www.example.org/">
<meta property="og:url" content="http://www.example.org/">
<link rel="stylesheet" href="/style.css">
<script src="js/app.js"></script>
</head><body>
<p><a href="about/">About</a> <a href="/news/">News</a> <a href="https://other.example.net/x">Other</a>
<a href="#top">Top</a> <a href="mailto:info@example.org">Mail</a> <a href="javascript:void(0)">JS</a>
<img src="logo.png" srcset="logo.png 1x, /logo-2x.png 2x"> <img src="data:image/gif;base64,R0lGOD">
<form action="/search"><input name="q"></form></p>
</body></html>
"""
HOME_2017 = HOME.replace(b"<title>Home</title>", b"<title>Home, 2017</title>")
ABOUT = b"<html><head><title>About</title></head><body><p>About us.</p></body></html>\n"
DOCS = b"<html><head><title>Docs</title></head><body><p>Docs.</p></body></html>\n"
STYLE = b"body { color: #333 }\n"
# Latin-1 page: the replay must decode it and answer utf-8
STRATEGY = ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">"
            "<title>Strat\u00e9gie</title></head><body><h1>Strat\u00e9gie</h1><a href=\"../\">Up</a></body></html>"
            ).encode("latin-1")
NEWS = b"<html><head><title>News</title></head><body><p>News.</p></body></html>\n"

SAMPLE_PAGES = [  # (file, body, url, timestamp, archive, collection, headers)
    ("home.html", HOME, "http://www.example.org/", "20151214144500", "wayback", None, {"Content-Type": "text/html; charset=utf-8"}),
    ("home.html", HOME, "http://www.example.org/", "20160101000000", "wayback", None, {"Content-Type": "text/html; charset=utf-8"}),
    ("home-2017.html", HOME_2017, "http://www.example.org/", "20170101000000", "wayback", None, {"Content-Type": "text/html"}),
    ("style.css", STYLE, "http://www.example.org/style.css", "20151214144510", "wayback", None, {"Content-Type": "text/css"}),
    ("about.html", ABOUT, "http://www.example.org/about/", "20151214144520", "wayback", None, {"Content-Type": "text/html", "Server": "Apache"}),
    ("docs.html", DOCS, "http://docs.example.org/", "20151214144530", "wayback", None, {"Content-Type": "text/html"}),
    ("strategy.html", STRATEGY, "http://iite.example.org/about/strategy/", "20201206072020", "archive-it", "3181", {"Content-Type": "text/html"}),
    ("news.html", NEWS, "http://iite.example.org/news/", "20201206072030", "archive-it", "3181", {"Content-Type": "text/html; charset=utf-8"}),
]


def load_build_samples():
    """data/build_samples.py is a script, not a package module: load it by path."""
    spec = importlib.util.spec_from_file_location("build_samples", PROJECT / "data" / "build_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_sample_pages(pages_dir: Path) -> Path:
    pages_dir.mkdir(parents=True, exist_ok=True)
    manifest = []
    for file, body, url, timestamp, archive, collection, headers in SAMPLE_PAGES:
        (pages_dir / file).write_bytes(body)
        manifest.append({"file": file, "url": url, "timestamp": timestamp, "archive": archive,
                         "collection": collection, "headers": headers})
    (pages_dir / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return pages_dir


@pytest.fixture(scope="session")
def sample_archive_dir(tmp_path_factory):
    """A tiny archive (WARCs, CDXJ, collections.json) built by data/build_samples.build."""
    root = tmp_path_factory.mktemp("loopback")
    pages = write_sample_pages(root / "pages")
    load_build_samples().build(pages, root / "archive")
    return root / "archive"


@pytest.fixture(scope="session")
def loopback(sample_archive_dir):
    from winnow.loopback import LoopbackArchive

    with LoopbackArchive(sample_archive_dir) as archive:
        yield archive
