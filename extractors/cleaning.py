"""Paragraph-level cleaning: named rules applied in a fixed order, every removal recorded.

Rule ids (kind in brackets):
  banner.archive-it-sentence   [banner]      Archive-It "You are viewing an archived web page ..." sentence
  banner.wayback-print         [banner]      "The Wayback Machine - https://web.archive.org/web/..."
  crumb.media-loading          [ui-crumb]    "Loading media information", "Found N archived media items ..."
  crumb.qa                     [ui-crumb]    "Enable QA", "View Missing URLs"
  crumb.hide                   [ui-crumb]    a lone "hide"
  crumb.lone-symbol            [ui-crumb]    only "<", ">", "×", "‹", "›", "«", "»", no-break spaces, whitespace
  crumb.download-pdf           [ui-crumb]    "Download PDF version"
  crumb.home-top               [ui-crumb]    a lone "Home" breadcrumb as the first paragraph
  crumb.credit                 [ui-crumb]    a lone "© UNESCO"-style credit line (© + up to 5 words)
  placeholder.lorem-ipsum      [placeholder] any paragraph containing "lorem ipsum"
  placeholder.insert-text      [placeholder] "insert text N"
  placeholder.under-configuration [placeholder] "The site is currently under configuration/construction"
  placeholder.available-soon   [placeholder] "Will be available soon......", "Coming soon"
  filler.latin-paragraph       [placeholder] a paragraph made only of lorem-ipsum Latin sentences
  filler.latin-tail            [placeholder] lorem-ipsum Latin sentences appended to a real paragraph
  duplicate.exact              [duplicate]   a second copy (normalised, >= 40 chars)
  duplicate.truncated          [duplicate]   a copy cut short (prefix of another paragraph, >= 40 chars)

Whole-paragraph rules match the whole paragraph (never a sentence inside real text), except the
banner rules, which cut the banner span out and keep whatever real text shares its line.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from extractors.capture import Removal
from extractors.decode import normalise_paragraph
from extractors.metadata import BANNER_START

# --- banners and crumbs ---------------------------------------------------------------------------
_BANNER_SPAN = re.compile(
    r"(?:\bhide\s+)?you\s+are\s+viewing\s+an\s+archived\s+web\s*page"
    r"(?:.*?see\s+all\s+versions\s+of\s+this\s+archived\s+page\.?|.*?may\s+be\s+out\s+of\s+date\.?"
    r"|.*?\bcollection\b\.?|.*?archive[\s-]?it\b\.?|.*$)"
    r"(?:\s*loading\s+media\s+information(?:\s+hide)?)?",
    re.I | re.S,
)
_WAYBACK_PRINT = re.compile(r"the\s+wayback\s+machine\s*[-–—]\s*https?://\S+", re.I)
_MEDIA = re.compile(
    r"^(?:loading\s+media\s+information(?:\s+hide)?|found\s+\d[\d,]*\s+archived\s+media\s+items?\s+out\s+of\s+"
    r"\d[\d,]*\s+total\s+on\s+this\s+page\.?(?:\s+hide)?)$", re.I)
_QA = re.compile(r"^(?:enable\s+qa|view\s+missing\s+urls|enable\s+qa\s+view\s+missing\s+urls)$", re.I)
_HIDE = re.compile(r"^hide$", re.I)
_LONE_SYMBOLS = re.compile(r"^[\s<>×‹›«»\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff|·•]*$")
_DOWNLOAD_PDF = re.compile(r"^download\s+(?:the\s+)?pdf(?:\s+version)?\.?$", re.I)
_HOME = re.compile(r"^home$", re.I)
_CREDIT = re.compile(r"^(?:©|\(c\)|copyright\s*©?)\s*(?:\S+\s*){1,5}$", re.I)
# Interface words standing alone on a line of a text dump (a page's controls, not its text).
_UI_WORDS = re.compile(
    r"^(?:skip\s+to\s+(?:the\s+)?(?:main\s+)?(?:content|navigation)|back\s+to\s+top|scroll\s+to\s+top|"
    r"toggle\s+navigation|loading\.*|print(?:\s+this\s+page)?|share(?:\s+this(?:\s+page)?)?|"
    r"follow\s+us|menu|close|search)$", re.I)

# The Wayback Machine's toolbar as a text dump shows it: from "The Wayback Machine - <url>" or
# "N captures" down to "TIMESTAMPS" (and the "loading" after it), within the dump's first lines.
_TOOLBAR_START = re.compile(r"^(?:the\s+wayback\s+machine\s+-\s+https?://\S+|\d[\d,]*\s+captures?)$", re.I)
_TOOLBAR_END = re.compile(r"^timestamps$", re.I)
_TOOLBAR_MARKS = re.compile(r"^(?:about\s+this\s+capture|collected\s+by)$", re.I)
TOOLBAR_SEARCH_LINES = 60


def wayback_toolbar_lines(paragraphs: list[str]) -> range:
    """Positions of a Wayback toolbar copied into a text dump (empty when there is none)."""
    head = [p.strip() for p in paragraphs[:TOOLBAR_SEARCH_LINES]]
    start = next((i for i, line in enumerate(head) if _TOOLBAR_START.match(line)), None)
    if start is None:
        return range(0)
    end = next((i for i in range(start, len(head)) if _TOOLBAR_END.match(head[i])), None)
    if end is None or not any(_TOOLBAR_MARKS.match(line) for line in head[start:end]):
        return range(0)
    if end + 1 < len(head) and head[end + 1].lower().rstrip(".") == "loading":
        end += 1
    return range(start, end + 1)

# --- placeholders ---------------------------------------------------------------------------------
_LOREM = re.compile(r"lorem\s+ipsum", re.I)
_INSERT_TEXT = re.compile(r"^\s*insert\s+(?:your\s+)?text(?:\s+(?:here|\d+))?\s*[.…!:]*\s*$", re.I)
_UNDER_CONFIGURATION = re.compile(
    r"^\s*(?:(?:the|this)\s+(?:web\s*)?(?:site|page|section)\s+is\s+)?(?:currently\s+)?"
    r"under\s+(?:configuration|construction)\s*[.…!]*\s*$", re.I)
_AVAILABLE_SOON = re.compile(
    r"^\s*(?:(?:(?:it|this|this\s+page|content)\s+)?will\s+be\s+)?(?:available|coming|online)\s+soon\s*[.…!]*\s*$",
    re.I)

# The standard lorem-ipsum vocabulary (Cicero's "de finibus" as the generators cut it).
LOREM_VOCABULARY = frozenset("""
a ab ac accumsan accusantium ad adipisci adipiscing adipisicing aenean aliqua aliquam aliquet aliquip amet
anim ante aperiam aptent architecto arcu aspernatur at auctor augue aut aute beatae bibendum blandit cillum
class commodo condimentum congue consectetur consectetuer consequat consequatur consequuntur conubia
convallis cras cubilia culpa cum cupidatat curabitur curae cursus dapibus deserunt diam dicta dictum
dictumst dignissim dis do dolor dolore dolorem dolores doloremque donec dui duis ea eaque efficitur egestas
eget eiusmod eius eleifend elementum elit enim eos error esse est et etiam eu euismod ex excepteur
exercitation explicabo facilisi facilisis fames faucibus felis fermentum feugiat finibus fringilla fugiat
fugit fusce gravida habitant habitasse hac hendrerit himenaeos iaculis id illo imperdiet in inceptos
incidunt incididunt integer interdum inventore ipsa ipsam ipsum irure iste justo labore laboris laborum
lacinia lacus laoreet laudantium lectus leo libero ligula litora lobortis lorem luctus maecenas magna
magnam magni magnis malesuada massa mattis mauris maximus metus mi minim modi molestie mollis mollit montes
morbi mus nam nascetur natoque natus nec nemo neque nesciunt netus nibh nisi nisl non nostra nostrud nulla
nullam numquam nunc occaecat odio odit officia omnis orci ornare pariatur parturient pellentesque penatibus
per perspiciatis pharetra phasellus placerat platea porro porta porttitor posuere potenti praesent pretium
primis proident proin pulvinar purus quae quaerat quam quasi qui quia quis quisquam quisque ratione rem
reprehenderit rhoncus ridiculus risus rutrum sagittis sapien scelerisque sed sem semper senectus sequi sint
sit sociis sociosqu sodales sollicitudin sunt suscipit suspendisse taciti tellus tempor tempora tempus
tincidunt torquent tortor totam tristique turpis ullamco ullamcorper ultrices ultricies unde urna ut varius
vehicula vel velit veniam venenatis veritatis vestibulum vitae vivamus viverra volutpat voluptas voluptate
voluptatem vulputate
""".split())

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[a-z][.!?])(?=[A-Z])")
_WORD = re.compile(r"[^\W\d_]+")

KIND = {
    "banner": "banner", "crumb": "ui-crumb", "placeholder": "placeholder", "filler": "placeholder",
    "duplicate": "duplicate", "replay": "replay-insert",
}


def _kind(rule: str) -> str:
    return KIND.get(rule.split(".", 1)[0], rule.split(".", 1)[0])


def collapse(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _Para:
    position: int
    text: str


def is_filler_sentence(sentence: str) -> bool:
    words = [w.casefold() for w in _WORD.findall(sentence)]
    if len(words) < 3:
        return False
    return sum(w in LOREM_VOCABULARY for w in words) >= 0.8 * len(words)


def split_latin_tail(text: str) -> tuple[str, str] | None:
    """(real part, Latin tail) when the paragraph ends in a run of lorem-ipsum sentences.

    Returns ("", text) when every sentence is filler, None when there is no filler tail.
    """
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
    sentences = [(s, text[s:e]) for s, e in zip(starts, starts[1:] + [len(text)])]
    cut = None
    for start, sentence in reversed(sentences):
        if not sentence.strip():
            continue
        if is_filler_sentence(sentence):
            cut = start
        else:
            break
    if cut is None:
        return None
    tail = text[cut:].strip()
    if len(_WORD.findall(tail)) < 4:
        return None
    return text[:cut].rstrip(), tail


def _strip_span(pattern: re.Pattern, text: str) -> tuple[str, list[str]] | None:
    """Cut every match of pattern out of text: (remaining text, removed spans) or None."""
    spans = [m.group(0) for m in pattern.finditer(text) if m.group(0).strip()]
    if not spans:
        return None
    rest = pattern.sub(" ", text)
    return collapse(rest) if rest.strip() else "", spans


def _whole_rules(index: int, text: str, first_kept: bool) -> str | None:
    """The rule removing a whole paragraph, or None."""
    stripped = text.strip()
    if _LONE_SYMBOLS.match(stripped):
        return "crumb.lone-symbol"
    if _MEDIA.match(stripped):
        return "crumb.media-loading"
    if _QA.match(stripped):
        return "crumb.qa"
    if _HIDE.match(stripped):
        return "crumb.hide"
    if _DOWNLOAD_PDF.match(stripped):
        return "crumb.download-pdf"
    if first_kept and _HOME.match(stripped):
        return "crumb.home-top"
    if _CREDIT.match(stripped) and len(stripped) <= 60:
        return "crumb.credit"
    if _UI_WORDS.match(stripped):
        return "crumb.interface-word"
    if _LOREM.search(stripped):
        return "placeholder.lorem-ipsum"
    if _INSERT_TEXT.match(stripped):
        return "placeholder.insert-text"
    if _UNDER_CONFIGURATION.match(stripped):
        return "placeholder.under-configuration"
    if _AVAILABLE_SOON.match(stripped):
        return "placeholder.available-soon"
    return None


_NOT_WORD = re.compile(r"[^\w\s]+")


def normalise(text: str) -> str:
    """Comparison form: NFKC, casefold, punctuation and symbols out, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


_ENDS_SENTENCE = re.compile(r"[.!?:;)\]\"'”’»]\s*$")
_ENDS_ELLIPSIS = re.compile(r"(?:\.\.\.|…|\[\.\.\.\])\s*$")
MIN_DUPLICATE_CHARS = 40
# Short lines legitimately repeat in structured pages (a recipe's "1 cup rice", an interview's
# questions listed before they are answered): an exact copy shorter than this goes only when it
# follows its twin directly.
MIN_DISTANT_DUPLICATE_CHARS = 80


def _truncation_plausible(short_text: str) -> bool:
    """A truncated copy is cut off: it ends in an ellipsis or mid-sentence and has some length."""
    if _ENDS_ELLIPSIS.search(short_text):
        return True
    return not _ENDS_SENTENCE.search(short_text) and len(short_text.split()) >= 8


def deduplicate(paras: list[_Para]) -> tuple[list[_Para], list[Removal]]:
    """Exact and truncated copies out; the fullest copy stays at the first occurrence's position."""
    kept: list[_Para | None] = []
    removals: list[Removal] = []
    clusters: dict[str, list[tuple[int, str]]] = {}  # key -> [(index in kept, normalised text)]
    for para in paras:
        norm = normalise(para.text)
        if len(norm) < MIN_DUPLICATE_CHARS:
            kept.append(para)
            continue
        key = norm[:MIN_DUPLICATE_CHARS]
        matched = False
        for slot, (index, other) in enumerate(clusters.get(key, [])):
            if norm == other and (len(norm) >= MIN_DISTANT_DUPLICATE_CHARS or index == len(kept) - 1):
                removals.append(Removal("duplicate", "duplicate.exact", para.text, para.position))
                matched = True
            elif other.startswith(norm) and _truncation_plausible(para.text):
                removals.append(Removal("duplicate", "duplicate.truncated", para.text, para.position))
                matched = True
            elif norm.startswith(other) and _truncation_plausible(kept[index].text):
                earlier = kept[index]
                removals.append(Removal("duplicate", "duplicate.truncated", earlier.text, earlier.position))
                kept[index] = _Para(earlier.position, para.text)  # fuller copy, first position
                clusters[key][slot] = (index, norm)
                matched = True
            if matched:
                break
        if not matched:
            clusters.setdefault(key, []).append((len(kept), norm))
            kept.append(para)
    return [p for p in kept if p is not None], removals


def cut_repeated_tails(paras: list[_Para]) -> tuple[list[_Para], list[Removal]]:
    """A paragraph that ends with a copy, whole or cut off, of its own beginning or of an earlier
    paragraph keeps only its own text: pages glue such copies onto the paragraph before them."""
    removals: list[Removal] = []
    out: list[_Para] = []
    for para in paras:
        text = para.text
        for earlier in [None] + [p.text for p in out]:
            source = text if earlier is None else earlier
            key = source[:MIN_DUPLICATE_CHARS]
            start = text.find(key, 1) if len(key) == MIN_DUPLICATE_CHARS else -1
            if start <= 0 or not _ENDS_SENTENCE.search(text[:start]):
                continue
            tail = normalise(text[start:])
            original = normalise(text[:start] if earlier is None else earlier)
            if tail == original or (original.startswith(tail) and _truncation_plausible(text[start:])):
                removals.append(Removal("duplicate", "duplicate.repeated-tail", text[start:].strip(), para.position))
                text = text[:start].rstrip()
                break
        out.append(_Para(para.position, text))
    return out, removals


def clean_paragraphs(paragraphs: list[str]) -> tuple[list[str], list[Removal]]:
    """Apply the rules in order; return (kept paragraphs, removals with pre-cleaning positions)."""
    kept, removals = clean_positioned(paragraphs)
    return [p.text for p in kept], removals


def clean_positioned(paragraphs: list[str]) -> tuple[list[_Para], list[Removal]]:
    """As clean_paragraphs, with each kept paragraph's position before cleaning."""
    removals: list[Removal] = []
    kept: list[_Para] = []
    toolbar = wayback_toolbar_lines(paragraphs)
    for position, raw in enumerate(paragraphs):
        text = normalise_paragraph(raw)
        if position in toolbar:
            if text:
                removals.append(Removal("replay-insert", "replay.wayback-toolbar-text", text, position))
            continue
        if not text:
            if raw:  # no-break spaces and the like: a layout crumb, recorded
                removals.append(Removal("ui-crumb", "crumb.lone-symbol", raw, position))
            continue
        # 1. banner spans (cut out, the rest of the line stays)
        for rule, pattern in (("banner.archive-it-sentence", _BANNER_SPAN), ("banner.wayback-print", _WAYBACK_PRINT)):
            if rule == "banner.archive-it-sentence" and not BANNER_START.search(text):
                continue
            result = _strip_span(pattern, text)
            if result:
                text, spans = result
                removals.extend(Removal("banner", rule, span.strip(), position) for span in spans)
        if not text:
            continue
        # 2.-3. crumbs and placeholders (whole paragraph)
        rule = _whole_rules(position, text, first_kept=not kept)
        if rule:
            removals.append(Removal(_kind(rule), rule, text, position))
            continue
        # 4. Latin filler
        split = split_latin_tail(text)
        if split:
            real, tail = split
            if not real:
                removals.append(Removal("placeholder", "filler.latin-paragraph", text, position))
                continue
            removals.append(Removal("placeholder", "filler.latin-tail", tail, position))
            text = real
        kept.append(_Para(position, text))
    # 5. duplicates: copies glued to a paragraph's end, then whole paragraphs
    kept, tail_removals = cut_repeated_tails(kept)
    removals.extend(tail_removals)
    kept, duplicate_removals = deduplicate(kept)
    removals.extend(duplicate_removals)
    removals.sort(key=lambda r: r.position)
    return kept, removals


PLACEHOLDER_RULES = ("placeholder.", "filler.")


def placeholder_share(paragraphs: list[str], removals: list[Removal]) -> float:
    """Share of the original characters that placeholder and filler rules removed."""
    total = sum(len(p.strip()) for p in paragraphs)
    if not total:
        return 0.0
    removed = sum(len(r.text) for r in removals if r.rule.startswith(PLACEHOLDER_RULES))
    return removed / total
