"""Regenerate the bundled sample archive (data/archive/) from the saved pages (data/pages/).

    python data/build_samples.py [--pages data/pages] [--out data/archive]

data/pages/manifest.json lists the captures: [{"file", "url", "timestamp" (14 digits),
"archive": "wayback"|"archive-it", "collection": "3181"|null, "headers": {...}}].
Output: one gzipped WARC per archive/collection (a warcinfo record, then one `response`
record per page), its CDXJ index, and collections.json, the file winnow.loopback serves.
The output is deterministic (fixed record ids and dates, gzip without mtime), so
rerunning gives byte-identical files and a clean diff.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import uuid
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script from a checkout: import the project's packages

from winnow.archive_index import index_warc, write_cdxj  # noqa: E402

# What the Archive-It banner names per collection (collections we know about)
KNOWN_COLLECTIONS = {
    "3181": {
        "name": "UNESCO",
        "organisation": "United Nations Educational, Scientific and Cultural Organization (UNESCO)",
        # not checked against archive-it.org (no network here): the collection page pattern is real
        "organisation_url": "https://archive-it.org/collections/3181",
    },
}
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/winnow/loopback-archive")
# Transfer/encoding headers describe bytes on the wire; we store the decoded file
_DROPPED_HEADERS = {"content-length", "transfer-encoding", "content-encoding"}
# Content-Type when the manifest gives none (a table, not mimetypes: that reads /etc/mime.types)
_TYPES = {".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8", ".css": "text/css",
          ".js": "application/javascript", ".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif",
          ".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8", ".json": "application/json"}


def _warc_date(timestamp: str) -> str:
    t = timestamp
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"


def _record_id(*parts: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(_ID_NAMESPACE, ' '.join(parts))}>"


def _warc_name(page: dict) -> str:
    if page.get("archive") == "archive-it":
        return f"archiveit-{page['collection']}.warc.gz"
    return "wayback.warc.gz"


def _write_warc(path: Path, pages: list[dict], pages_dir: Path) -> None:
    with open(path, "wb") as output:
        writer = WARCWriter(output, gzip=True, warc_version="1.0")
        info = b"software: winnow data/build_samples.py\r\nformat: WARC File Format 1.0\r\n"
        first = min(page["timestamp"] for page in pages)
        writer.write_record(writer.create_warc_record(
            "", "warcinfo", payload=io.BytesIO(info), length=len(info),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Record-ID": _record_id("warcinfo", path.name),
                               "WARC-Date": _warc_date(first), "WARC-Filename": path.name}))
        for page in pages:
            body = _read_page(pages_dir, page["file"])
            headers = [(k, str(v)) for k, v in (page.get("headers") or {}).items() if k.lower() not in _DROPPED_HEADERS]
            if not any(k.lower() == "content-type" for k, _ in headers):
                headers.append(("Content-Type", _TYPES.get(Path(page["file"]).suffix.lower(), "application/octet-stream")))
            headers.append(("Content-Length", str(len(body))))
            http_headers = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                page["url"], "response", payload=io.BytesIO(body), length=len(body), http_headers=http_headers,
                warc_headers_dict={"WARC-Record-ID": _record_id(page["url"], page["timestamp"]),
                                   "WARC-Date": _warc_date(page["timestamp"])}))


def _read_page(pages_dir: Path, name: str) -> bytes:
    path = (pages_dir / name).resolve()
    if pages_dir.resolve() not in path.parents:  # the manifest must not reach outside the pages folder
        raise ValueError(f"page file outside {pages_dir}: {name}")
    return path.read_bytes()


def build(pages_dir: str | Path, out_dir: str | Path) -> dict:
    """Write WARCs, CDXJ indexes and collections.json for the manifest in pages_dir; return the collections."""
    pages_dir, out_dir = Path(pages_dir), Path(out_dir)
    pages = json.loads((pages_dir / "manifest.json").read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    by_warc: dict[str, list[dict]] = {}
    for page in pages:
        if len(page["timestamp"]) != 14 or not page["timestamp"].isdigit():
            raise ValueError(f"timestamp must be 14 digits: {page}")
        if page.get("archive") == "archive-it" and not page.get("collection"):
            raise ValueError(f"archive-it page without a collection: {page}")
        by_warc.setdefault(_warc_name(page), []).append(page)

    collections: dict = {}
    for warc_name, warc_pages in sorted(by_warc.items()):
        warc_path = out_dir / warc_name
        _write_warc(warc_path, warc_pages, pages_dir)
        index_name = warc_name.replace(".warc.gz", ".cdxj")
        write_cdxj(index_warc(warc_path), out_dir / index_name)
        entry = {"warcs": [warc_name], "index": index_name}
        first = warc_pages[0]
        if first.get("archive") == "archive-it":
            collection = str(first["collection"])
            known = KNOWN_COLLECTIONS.get(collection, {"name": f"Collection {collection}",
                                                       "organisation": "Archive-It partner",
                                                       "organisation_url": "https://archive-it.org"})
            collections.setdefault("archive-it", {})[collection] = {**known, **entry}
        else:
            collections["wayback"] = entry
    (out_dir / "collections.json").write_text(json.dumps(collections, indent=2, ensure_ascii=False) + "\n",
                                              encoding="utf-8")
    return collections


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default=HERE / "pages", type=Path, help="folder with manifest.json and the pages")
    parser.add_argument("--out", default=HERE / "archive", type=Path, help="where to write the archive")
    args = parser.parse_args(argv)
    collections = build(args.pages, args.out)
    print(f"wrote {args.out}: {', '.join(['wayback'] * ('wayback' in collections) + sorted(collections.get('archive-it', {})))}")


if __name__ == "__main__":
    main()
