#!/usr/bin/env python3
"""Extraction benchmark: winnow's extractor vs. others on the Article Extraction Benchmark (AEB).

    python bench/extraction.py [--data DIR] [--limit N] [--seed 1] [--json OUT]
                               [--extractors winnow,trafilatura,trafilatura-fast,readability,resiliparse]

Data: the AEB (181 pages ``html/<id>.html.gz`` + ``ground-truth.json``), read at run time from
``--data``, else ``$WINNOW_BENCH_DATA``, else ``<project>/../shared/bench/aeb``. Never copied here.

Two conditions, each extractor on every page, single process pinned to one core:
  plain    the pages as published;
  wrapped  each page served as a replay system would (style round-robin over wayback, archive-it, pywb
           by sorted id) with content dirt injected (duplicate paragraph, truncated copy, placeholder,
           Latin filler, crumbs; see bench/archive_wrap.py). Ground truth stays the original articleBody.

Metric: the AEB's own (bench/metric.py). Speed: pages/s over the summed time of the extraction calls
only (each extractor gets bytes; the str-based ones decode UTF-8 inside the timed call, as the AEB's
runners read the files as UTF-8). One untimed warm-up call per extractor and condition.

Extractor settings (they reproduce the anchors in ../shared/bench/README.md):
  trafilatura       trafilatura.extract(html, include_comments=False) - the AEB runner's call; with the
                    library default include_comments=True it scores P 0.928 R 0.978 F1 0.953 here.
  trafilatura-fast  the same with fast=True.
  readability       readability-lxml Document(html).summary(html_partial=True), text as html-text
                    would give it (block elements -> line breaks, text nodes space-separated).
  resiliparse       extract_plain_text(html, main_content=True, comments=False).
  winnow            extractors.extract_html(bytes).text
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.archive_wrap import STYLES, count_occurrences, random_timestamp, wrap  # noqa: E402
from bench.metric import aggregate, page_scores  # noqa: E402

ALL_EXTRACTORS = ("winnow", "trafilatura", "trafilatura-fast", "readability", "resiliparse")

# Archive-insert texts that must not survive extraction (banner residue).
BANNER_MARKERS = (
    "You are viewing an archived web page",
    "Loading media information",
    "The Wayback Machine -",
    "About this capture",
    "COLLECTED BY",
    "FILE ARCHIVED ON",
    "Enable QA",
    "View Missing URLs",
)
# Replay script text that must not survive either (reported separately).
SCRIPT_MARKERS = ("wbinfo.", "__wm.", "WB_wombat_Init", "archive_analytics", "_WBWombatInit")
CRUMB_LINES = {"<", "×", ">"}


def default_data_dir() -> Path:
    env = os.environ.get("WINNOW_BENCH_DATA")
    if env:
        return Path(env)
    return ROOT / ".." / "shared" / "bench" / "aeb"


@dataclass
class Page:
    id: str
    data: bytes  # the page's HTML bytes (gunzipped)
    truth: str
    url: str


@dataclass
class WrappedPage:
    id: str
    data: bytes
    truth: str
    style: str
    injected: list[tuple[str, str]] = field(default_factory=list)
    article_paragraphs: int = 0


def load_pages(data_dir: Path, limit: int | None = None) -> list[Page]:
    data_dir = Path(data_dir)
    gt = json.loads((data_dir / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(gt)
    if limit is not None:
        ids = ids[:limit]
    pages = []
    for pid in ids:
        with gzip.open(data_dir / "html" / f"{pid}.html.gz", "rb") as f:
            raw = f.read()
        pages.append(Page(pid, raw, gt[pid].get("articleBody") or "", gt[pid].get("url") or ""))
    return pages


def wrap_pages(pages: list[Page], seed: int = 1) -> list[WrappedPage]:
    out = []
    for i, page in enumerate(pages):
        style = STYLES[i % len(STYLES)]
        rng = random.Random(f"{seed}:{page.id}")
        ts = random_timestamp(rng)
        w = wrap(page.data.decode("utf-8", "replace"), page.url, ts, style, rng, truth=page.truth)
        out.append(WrappedPage(page.id, w.html.encode("utf-8"), page.truth, style, w.injected,
                               w.article_paragraphs))
    return out


# --------------------------------------------------------------------------- extractors

def _html_text(fragment: str) -> str:
    """Text of an HTML fragment, laid out roughly as html-text does (what the AEB runner used)."""
    import lxml.html
    from lxml import etree

    if not fragment or not fragment.strip():
        return ""
    try:
        root = lxml.html.fromstring(fragment)
    except (etree.ParserError, ValueError):
        return ""
    block = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "td",
             "th", "blockquote", "pre", "section", "article", "header", "footer", "dd", "dt", "dl",
             "figure", "figcaption", "hr", "main", "aside", "nav", "form"}
    parts: list[str] = []

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else None
        if tag in ("script", "style", "noscript") or tag is None:
            if el.tail:
                parts.append(el.tail)
            return
        if tag in block:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
        if tag in block:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    walk(root)
    lines = (" ".join(line.split()) for line in " ".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def build_extractors(names: list[str]) -> tuple[dict[str, Callable[[bytes], str]], dict[str, str], dict[str, str]]:
    """-> (callables, versions, skipped {name: reason})."""
    from importlib.metadata import PackageNotFoundError, version

    def ver(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "?"

    fns: dict[str, Callable[[bytes], str]] = {}
    versions: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for name in names:
        try:
            if name == "winnow":
                from extractors import EXTRACTOR_VERSION, extract_html

                fns[name] = lambda b, _f=extract_html: _f(b).text or ""
                versions[name] = f"extractor {EXTRACTOR_VERSION}"
            elif name in ("trafilatura", "trafilatura-fast"):
                import trafilatura

                fast = name == "trafilatura-fast"
                fns[name] = lambda b, _fast=fast: trafilatura.extract(
                    b.decode("utf-8", "replace"), include_comments=False, fast=_fast) or ""
                versions[name] = ver("trafilatura")
            elif name == "readability":
                from readability import Document

                fns[name] = lambda b: _html_text(Document(b.decode("utf-8", "replace")).summary(html_partial=True))
                versions[name] = "readability-lxml " + ver("readability-lxml")
            elif name == "resiliparse":
                from resiliparse.extract.html2text import extract_plain_text

                fns[name] = lambda b: extract_plain_text(b.decode("utf-8", "replace"), main_content=True,
                                                         comments=False) or ""
                versions[name] = ver("resiliparse")
            else:
                skipped[name] = f"unknown extractor (known: {', '.join(ALL_EXTRACTORS)})"
        except Exception as exc:  # noqa: BLE001 - report and go on without it
            what = "winnow extractor not importable" if name == "winnow" else f"{name} not importable"
            skipped[name] = f"{what}: {type(exc).__name__}: {exc}"
    return fns, versions, skipped


def run_extractor(fn: Callable[[bytes], str], inputs: list[bytes]) -> tuple[list[str], float, int]:
    """-> (outputs, seconds spent inside the extraction calls, errors). Errors count as empty output."""
    outputs: list[str] = []
    total = 0.0
    errors = 0
    if inputs:  # warm-up (lazy imports, caches), untimed
        try:
            fn(inputs[0])
        except Exception:  # noqa: BLE001
            pass
    for data in inputs:
        t0 = time.perf_counter()
        try:
            text = fn(data)
        except Exception:  # noqa: BLE001
            text = ""
            errors += 1
        total += time.perf_counter() - t0
        outputs.append(text or "")
    return outputs, total, errors


# --------------------------------------------------------------------------- scoring

def residues(wrapped: list[WrappedPage], outputs: list[str]) -> dict:
    banner_pages = [i for i, w in enumerate(wrapped) if w.style in ("wayback", "archive-it")]
    dirt_pages = [i for i, w in enumerate(wrapped) if any(k in ("duplicate", "truncated") for k, _ in w.injected)]
    filler_pages = [i for i, w in enumerate(wrapped) if any(k in ("placeholder", "filler") for k, _ in w.injected)]
    crumb_pages = [i for i, w in enumerate(wrapped) if any(k in ("crumb", "archive-it-curtain") for k, _ in w.injected)]

    def excess(i: int, kinds: tuple[str, ...]) -> bool:
        out, truth = outputs[i], wrapped[i].truth
        return any(count_occurrences(text, out) > count_occurrences(text, truth)
                   for kind, text in wrapped[i].injected if kind in kinds)

    def share(idx: list[int], test) -> float | None:
        return sum(1 for i in idx if test(i)) / len(idx) if idx else None

    return {
        "banner": share(banner_pages, lambda i: any(m in outputs[i] for m in BANNER_MARKERS)),
        "banner_pages": len(banner_pages),
        "script": share(list(range(len(wrapped))), lambda i: any(m in outputs[i] for m in SCRIPT_MARKERS)),
        "duplicate": share(dirt_pages, lambda i: excess(i, ("duplicate", "truncated"))),
        "duplicate_pages": len(dirt_pages),
        "placeholder": share(filler_pages, lambda i: excess(i, ("placeholder", "filler"))),
        "placeholder_pages": len(filler_pages),
        "crumbs": share(crumb_pages, lambda i: any(
            line.strip(" \t\u00a0") in CRUMB_LINES for line in outputs[i].splitlines())),
        "crumb_pages": len(crumb_pages),
    }


def score(truths: list[str], outputs: list[str]) -> tuple[dict, list]:
    per_page = [page_scores(t, o) for t, o in zip(truths, outputs)]
    return aggregate(per_page).as_dict(), per_page


# --------------------------------------------------------------------------- report

def _fmt(x, pct=False) -> str:
    if x is None:
        return "—"
    return f"{100 * x:.1f}%" if pct else f"{x:.3f}"


def print_table(title: str, rows: list[dict], wrapped: bool) -> None:
    cols = ["extractor", "precision", "recall", "F1", "pages/s", "empty", "errors"]
    if wrapped:
        cols += ["banner", "script", "dup", "placeh.", "crumbs"]
    table = []
    for r in rows:
        line = [r["extractor"], _fmt(r["precision"]), _fmt(r["recall"]), _fmt(r["f1"]),
                f"{r['pages_per_s']:.1f}", str(r["empty"]), str(r["errors"])]
        if wrapped:
            res = r["residue"]
            line += [_fmt(res["banner"], True), _fmt(res["script"], True), _fmt(res["duplicate"], True),
                     _fmt(res["placeholder"], True), _fmt(res["crumbs"], True)]
        table.append(line)
    widths = [max(len(c), *(len(t[i]) for t in table)) if table else len(c) for i, c in enumerate(cols)]
    print(f"\n## {title}")
    print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cols, widths))))
    for t in table:
        print("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(t, widths))))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=None,
                    help="AEB folder (default: $WINNOW_BENCH_DATA or <project>/../shared/bench/aeb)")
    ap.add_argument("--limit", type=int, default=None, help="first N page ids (sorted)")
    ap.add_argument("--extractors", default=",".join(ALL_EXTRACTORS))
    ap.add_argument("--seed", type=int, default=1, help="seed of the wrapping and dirt")
    ap.add_argument("--json", type=Path, default=None, help="write results (with per-page scores) here")
    ap.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU core")
    args = ap.parse_args(argv)

    data_dir = args.data or default_data_dir()
    if not (data_dir / "ground-truth.json").is_file():
        print(f"benchmark data not found: {data_dir.resolve()} (need ground-truth.json and html/); "
              "pass --data DIR or set WINNOW_BENCH_DATA", file=sys.stderr)
        return 2
    pinned = None
    if not args.no_pin and hasattr(os, "sched_setaffinity"):
        pinned = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {pinned})

    t_start = time.perf_counter()
    names = [n.strip() for n in args.extractors.split(",") if n.strip()]
    fns, versions, skipped = build_extractors(names)
    pages = load_pages(data_dir, args.limit)
    t0 = time.perf_counter()
    wrapped = wrap_pages(pages, args.seed)
    wrap_seconds = time.perf_counter() - t0

    print(f"# extraction benchmark  {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"data: {data_dir.resolve()}  pages: {len(pages)}  seed: {args.seed}  "
          f"python {platform.python_version()}  core: {pinned if pinned is not None else 'not pinned'}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    for name, reason in skipped.items():
        print(f"skipped {name}: {reason}")
    styles = {s: sum(1 for w in wrapped if w.style == s) for s in STYLES}
    fallback = sum(1 for w in wrapped if w.article_paragraphs < 0)
    nodirt = sum(1 for w in wrapped if w.article_paragraphs == 0)
    print(f"wrapped: {styles}; content dirt in all but {nodirt} pages "
          f"({fallback} with the article outside <p>, dirt put into its container); wrapping took {wrap_seconds:.1f}s")

    results: dict = {"config": {"data": str(data_dir.resolve()), "pages": len(pages), "seed": args.seed,
                                "limit": args.limit, "python": platform.python_version(),
                                "pinned_core": pinned, "extractors": names, "versions": versions,
                                "skipped": skipped, "date": datetime.now(timezone.utc).isoformat()},
                     "conditions": {}}
    for cond, inputs, truths in (("plain", [p.data for p in pages], [p.truth for p in pages]),
                                 ("wrapped", [w.data for w in wrapped], [w.truth for w in wrapped])):
        rows = []
        for name, fn in fns.items():
            outputs, seconds, errors = run_extractor(fn, inputs)
            metrics, per_page = score(truths, outputs)
            row = {"extractor": name, **metrics, "seconds": seconds,
                   "pages_per_s": len(inputs) / seconds if seconds > 0 else float("inf"),
                   "errors": errors, "empty": sum(1 for o in outputs if not o.strip())}
            if cond == "wrapped":
                row["residue"] = residues(wrapped, outputs)
            row["per_page"] = {p.id: [round(x, 5) for x in s] for p, s in zip(pages, per_page)}
            rows.append(row)
        title = ("plain pages" if cond == "plain" else
                 "wrapped pages (archive chrome + content dirt; residue = share of pages whose output keeps it)")
        print_table(title, rows, cond == "wrapped")
        by_name = {r["extractor"]: r for r in rows}
        if "winnow" in by_name and "trafilatura" in by_name:
            ratio = by_name["winnow"]["pages_per_s"] / by_name["trafilatura"]["pages_per_s"]
            print(f"speed winnow / trafilatura: {ratio:.2f}x")
            by_name["winnow"]["speed_vs_trafilatura"] = ratio
        results["conditions"][cond] = by_name
    if fns:
        w = next(iter(results["conditions"]["wrapped"].values()))["residue"]
        print(f"\nresidue denominators: banner {w['banner_pages']} pages (wayback + archive-it; pywb puts no banner "
              f"in the page), script all pages, dup {w['duplicate_pages']}, placeholder {w['placeholder_pages']}, "
              f"crumbs {w['crumb_pages']}.")
    elapsed = time.perf_counter() - t_start
    print(f"total run time: {elapsed:.1f}s")
    results["config"]["run_seconds"] = elapsed
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
