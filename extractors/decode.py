"""Bytes of an HTML page -> text: BOM, declared charset, utf-8, cp1252; then ftfy and NFC.

No HTTP headers are known here (archived bytes come without them), so the order is:
byte-order mark, <meta charset> / http-equiv in the first 4 KB, strict UTF-8, cp1252 (never fails).
A single-byte declaration (latin-1, cp1252, ascii) loses against bytes that are valid UTF-8 with
non-ASCII characters: archived pages often declare latin-1 and serve UTF-8.
"""
from __future__ import annotations

import codecs
import re
import unicodedata

import ftfy

_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{2,40})""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([a-zA-Z0-9_.:-]{2,40})""", re.I)
_SINGLE_BYTE_WESTERN = {"latin_1", "iso8859_1", "cp1252", "ascii", "iso8859_15"}
# C0 controls except tab/newline/carriage return, DEL, C1 controls that lxml refuses, lone surrogates
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (meta or XML declaration), as a codec name."""
    head = data[:4096]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii", "ignore")).name
    except LookupError:
        return None


def _normalised_codec(name: str) -> str:
    return codecs.lookup(name).name.replace("-", "_")


def decode_bytes(data: bytes) -> str:
    """Decode without fixing: the raw decision, exposed for tests."""
    if not data:
        return ""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    declared = declared_charset(data)
    if declared and _normalised_codec(declared) not in _SINGLE_BYTE_WESTERN and "utf" not in declared:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared and _normalised_codec(declared) in _SINGLE_BYTE_WESTERN:
        declared = "cp1252"  # what browsers do for latin-1 declarations (WHATWG)
    for encoding in (declared, "cp1252"):
        if encoding:
            try:
                return data.decode(encoding, errors="replace")
            except LookupError:
                continue
    return data.decode("latin-1")  # unreachable in practice; never fails


# UTF-8 read as cp1252/latin-1 leaves a lead byte (Â-ô) followed by a continuation byte or one of
# cp1252's punctuation stand-ins. ftfy's own check is slow on whole pages, so it runs only when
# this cheap one finds a candidate.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")


def fix_mojibake(text: str) -> str:
    """ftfy's encoding repair (mojibake only, no cosmetic changes), when a cheap check finds a candidate."""
    try:
        if _MOJIBAKE_HINT.search(text):
            return ftfy.fix_encoding(text)
    except Exception:  # noqa: BLE001 - ftfy must never stop an extraction
        pass
    return text


def clean_text(text: str) -> str:
    """A whole text (a dump): control characters out, mojibake repaired, NFC."""
    if not text:
        return ""
    text = fix_mojibake(_CONTROL.sub("", text))
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


# Invisible characters that only break words for matching and search: soft hyphen, zero-width
# space, word joiner, BOM. ZWNJ/ZWJ (U+200C/D) stay: they spell Persian, Indic scripts and emoji.
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
# No-break and other fixed-width spaces read as plain spaces; runs of space collapse to one.
_SPACES = re.compile("[\\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalise_paragraph(text: str) -> str:
    """One paragraph's text as winnow stores it: mojibake repaired, NFC, invisible characters out,
    spaces collapsed. Done per paragraph, not on whole pages: paragraphs are a twentieth of a page."""
    return unicodedata.normalize("NFC", _SPACES.sub(" ", _INVISIBLE.sub("", fix_mojibake(text))).strip())


def decode_html(data: bytes) -> str:
    """Bytes of a page -> unicode text lxml can parse (control characters out); mojibake and
    Unicode normalisation are left to the paragraphs (normalise_paragraph)."""
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if len(data.translate(None, _CONTROL_BYTES)) == len(data) and b"\xef\xbf\xbe" not in data \
                and b"\xef\xbf\xbf" not in data:
            return decode_bytes(data)  # the common case: nothing to strip
    return _CONTROL.sub("", decode_bytes(data))


_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f])
