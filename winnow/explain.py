"""`winnow extract --explain`: a page's text with what was removed marked in place, and why."""
from __future__ import annotations

from dataclasses import dataclass

from extractors.capture import Document


@dataclass(frozen=True)
class Segment:
    text: str
    removed_by: str | None = None  # "kind: rule" for removed text, None for kept text


def explain(document: Document, kept: list) -> list[Segment]:
    """Kept paragraphs (with their positions before cleaning, from the extractor's trace) and
    removals, in page order; markup removed before text extraction comes first."""
    segments = [Segment(r.text, f"{r.kind}: {r.rule}") for r in document.removed if r.position < 0]
    by_position: dict[int, list[Segment]] = {}
    for para in kept:
        by_position.setdefault(para.position, []).append(Segment(para.text))
    for removal in document.removed:
        if removal.position >= 0:
            by_position.setdefault(removal.position, []).append(Segment(removal.text, f"{removal.kind}: {removal.rule}"))
    for position in sorted(by_position):
        segments.extend(by_position[position])
    return segments


def render(segments: list[Segment], style=lambda text, **_: text) -> str:
    """Kept text as it is; removed text on lines starting with "- [kind: rule]"."""
    lines = []
    for segment in segments:
        if segment.removed_by is None:
            lines.append(segment.text)
        else:
            text = " ".join(segment.text.split())
            if len(text) > 300:
                text = text[:300] + " …"
            lines.append(style(f"- [{segment.removed_by}] {text}", fg="red"))
    return "\n\n".join(lines)
