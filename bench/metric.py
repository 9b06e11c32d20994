"""The Article Extraction Benchmark's own metric (scrapinghub/article-extraction-benchmark).

Re-implemented from the upstream ``evaluate.py`` semantics (commit 4a3bc97 era):

* Tokens: ``re.findall(r"\\w+", text)``. Case is kept (upstream compiles the pattern with
  ``re.IGNORECASE``, which has no effect on ``\\w+``; tokens are *not* lowercased).
* Shingles: every run of 4 consecutive tokens, as a multiset. A text with 1-3 tokens yields a single
  shorter shingle (all its tokens); an empty text yields no shingle.
* Per page: TP = sum of min(true, pred) counts, FP = pred excess, FN = true excess, then the three
  are normalised to sum to 1 (so long articles do not weigh more).
* Precision is averaged over the pages where TP + FP > 0 (the prediction has at least one shingle);
  recall over the pages where TP + FN > 0 (the ground truth has one). So:
    - empty prediction, non-empty truth: recall 0, page left out of the precision average;
    - both empty: page left out of both averages (neither rewarded nor penalised);
    - non-empty prediction, empty truth: precision 0, left out of recall.
  This is exactly upstream's behaviour; it means an extractor that returns nothing is punished
  through recall only.
* F1 = harmonic mean of the averaged precision and recall (not the mean of per-page F1s).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

_TOKEN_RE = re.compile(r"\w+", re.UNICODE)

TpFpFn = tuple[float, float, float]


def tokenize(text: str | None) -> list[str]:
    return _TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = 4) -> Counter:
    tokens = tokenize(text)
    out: Counter = Counter()
    for i in range(max(1, len(tokens) - n + 1)):
        sh = tuple(tokens[i : i + n])
        if sh:
            out[sh] += 1
    return out


def page_scores(true: str | None, pred: str | None, n: int = 4) -> TpFpFn:
    """Normalised (TP, FP, FN) for one page; (0, 0, 0) when both texts are empty."""
    t = shingles(true, n)
    p = shingles(pred, n)
    tp = fp = fn = 0.0
    for key in t.keys() | p.keys():
        tc, pc = t.get(key, 0), p.get(key, 0)
        tp += min(tc, pc)
        fp += max(0, pc - tc)
        fn += max(0, tc - pc)
    s = tp + fp + fn
    if s > 0:
        return tp / s, fp / s, fn / s
    return 0.0, 0.0, 0.0


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    pages: int

    def as_dict(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "pages": self.pages}


def aggregate(per_page: Sequence[TpFpFn]) -> Scores:
    precs = [_precision(*x) for x in per_page if x[0] + x[1] > 0]
    recs = [_recall(*x) for x in per_page if x[0] + x[2] > 0]
    p = sum(precs) / len(precs) if precs else 0.0
    r = sum(recs) / len(recs) if recs else 0.0
    f1 = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return Scores(p, r, f1, len(per_page))


def evaluate(pairs: Iterable[tuple[str | None, str | None]]) -> Scores:
    """pairs: (ground truth, prediction) per page."""
    return aggregate([page_scores(t, p) for t, p in pairs])
