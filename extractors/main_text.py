"""Main text of a cleaned page: trafilatura, with a visible-text fallback.

Output: one paragraph per block (heading, paragraph, list item, table row, quote, line of a <br>-
separated block). List items carry NO marker ("- " is not added): a list item is a paragraph.
Table rows are their cells joined by " | ".
"""
from __future__ import annotations

import re
from copy import deepcopy

from lxml import etree

_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
    "tfoot", "th", "thead", "tr", "ul", "br", "option", "label", "legend",
}
_FALLBACK_DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
                  "iframe", "svg", "button", "select", "head")
_COOKIE = re.compile(r"cookie|consent|gdpr|cc-banner|cc-window", re.I)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _inline_text(element) -> list[str]:
    """Text of a trafilatura block, split at <lb/> into lines."""
    lines = [[]]

    def walk(node):
        if node.tag == "lb":
            lines.append([])
        elif node.text:
            lines[-1].append(node.text)
        for child in node:
            if child.tag in ("list", "table"):
                continue
            walk(child)
            if child.tail:
                lines[-1].append(child.tail)

    walk(element)
    return [c for c in (_collapse("".join(parts)) for parts in lines) if c]


def _blocks(element, out: list[str]) -> None:
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag = child.tag
        if tag == "list":
            for item in child:
                if not isinstance(item.tag, str):
                    continue
                out.extend(_inline_text(item))
                for nested in item:
                    if nested.tag in ("list", "table"):
                        _blocks(etree_wrap(nested), out)
        elif tag == "table":
            for row in child.iter("row"):
                cells = [_collapse(" ".join(cell.itertext())) for cell in row if cell.tag == "cell"]
                cells = [c for c in cells if c]
                if cells:
                    out.append(" | ".join(cells))
        elif tag in ("div", "main", "body", "doc"):
            _blocks(child, out)
        else:  # head, p, quote, code, graphic captions...
            out.extend(_inline_text(child))


def etree_wrap(element):
    wrapper = etree.Element("div")
    wrapper.append(deepcopy(element))
    return wrapper


def trafilatura_paragraphs(tree, url: str | None = None) -> tuple[list[str], dict]:
    """(paragraphs, metadata dict with title/date/...) from trafilatura; ([], {}) when it finds nothing."""
    import trafilatura

    try:
        result = trafilatura.bare_extraction(
            deepcopy(tree), url=url, include_tables=True, include_comments=False, include_formatting=False,
            include_links=False, include_images=False, deduplicate=False, favor_recall=True, with_metadata=True,
        )
    except Exception:  # noqa: BLE001 - a trafilatura crash means "use the fallback"
        return [], {}
    if result is None:
        return [], {}
    meta = {"title": getattr(result, "title", None), "date": getattr(result, "date", None)}
    body = getattr(result, "body", None)
    paragraphs: list[str] = []
    if body is not None and len(body):
        _blocks(body, paragraphs)
    elif getattr(result, "text", None):
        paragraphs = [line.strip() for line in result.text.split("\n") if line.strip()]
    return paragraphs, meta


def fallback_paragraphs(tree) -> list[str]:
    """Visible text of <body> without navigation, header, footer, scripts, forms and cookie notices."""
    tree = deepcopy(tree)
    body = tree.find(".//body")
    root = body if body is not None else tree
    for element in list(root.iter()):
        if element.getparent() is None:
            continue
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions: their text is never read, their tail is
        marker = f"{element.get('id') or ''} {element.get('class') or ''}"
        if element.tag in _FALLBACK_DROP or (marker.strip() and _COOKIE.search(marker)):
            element.drop_tree()
    parts: list[str] = []

    def walk(node):
        if isinstance(node.tag, str) and node.tag in _BLOCK_TAGS:
            parts.append("\n")
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if isinstance(node.tag, str) and node.tag in _BLOCK_TAGS:
            parts.append("\n")

    walk(root)
    return [c for c in (_collapse(line) for line in "".join(parts).split("\n")) if c]


def page_title(tree) -> str | None:
    for path in (".//title", ".//h1"):
        element = tree.find(path)
        if element is not None:
            text = _collapse(element.text_content())
            if text:
                return text
    return None


def main_paragraphs(tree, url: str | None = None) -> tuple[list[str], str | None, list[str]]:
    """(paragraphs, title, flags)."""
    flags: list[str] = []
    paragraphs, meta = trafilatura_paragraphs(tree, url)
    if paragraphs:
        paragraphs = complete_recall(tree, paragraphs)
    else:
        paragraphs = fallback_paragraphs(tree)
        if paragraphs:
            flags.append("fallback-extraction")
    title = meta.get("title") or page_title(tree)
    return paragraphs, (_collapse(title) if title else None), flags


# --- recall completion ----------------------------------------------------------------------------
# trafilatura drops short blocks inside the article (figure captions, link-only paragraphs, the
# article's own header with title and date). Within the container that holds all of its paragraphs
# (widened to the enclosing <article>/<main>), blocks it skipped are put back in document order.
_SKIP_SUBTREE = ("script", "style", "noscript", "template", "nav", "aside", "form", "iframe", "svg", "button",
                 "select", "head")
_BOILERPLATE_MARK = re.compile(r"share|social|breadcrumb|cookie|consent|comment|menu|sidebar|pagination|"
                               r"print|subscribe|newsletter|skip|tags?-?list", re.I)
_INLINE_BLOCKS = _BLOCK_TAGS - {"body"}


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _block_texts(root) -> list[tuple[object, str]]:
    """(element, text) for every line of visible text under root, in document order."""
    out: list[tuple[object, str]] = []
    current: list[str] = []
    owner = [root]

    def flush():
        line = _collapse("".join(current))
        if line:
            out.append((owner[0], line))
        current.clear()

    def walk(node):
        tag = node.tag if isinstance(node.tag, str) else None
        if tag is None:
            return
        marker = f"{node.get('id') or ''} {node.get('class') or ''}"
        if tag in _SKIP_SUBTREE or (node is not root and marker.strip() and _BOILERPLATE_MARK.search(marker)):
            return
        block = tag in _INLINE_BLOCKS
        if block:
            flush()
            owner[0] = node
        if node.text:
            current.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                if isinstance(child.tag, str) and child.tag in _INLINE_BLOCKS:
                    flush()
                    owner[0] = node
                current.append(child.tail)
        if block:
            flush()

    walk(root)
    return out


def complete_recall(tree, paragraphs: list[str]) -> list[str]:
    if not paragraphs:
        return paragraphs
    body = tree.find(".//body")
    if body is None:
        return paragraphs
    wanted = {_norm(p) for p in paragraphs}
    blocks = _block_texts(body)
    hits = [element for element, text in blocks if _norm(text) in wanted]
    if len(hits) < 2:
        return paragraphs
    # lowest common ancestor of the matched blocks
    chain = list(hits[0].iterancestors())[::-1] + [hits[0]]
    common = None
    for candidate in chain:
        if all(candidate is h or candidate in set(h.iterancestors()) for h in hits):
            common = candidate
    if common is None:
        return paragraphs
    for ancestor in [common, *common.iterancestors()]:
        if ancestor.tag in ("article", "main") or (ancestor.get("role") or "") == "main":
            common = ancestor
            break
    if common.tag in ("body", "html"):
        return paragraphs
    merged: list[str] = []
    index = 0
    normalised = [_norm(p) for p in paragraphs]
    for _element, text in _block_texts(common):
        key = _norm(text)
        if key in normalised[index:]:
            j = normalised.index(key, index)
            merged.extend(paragraphs[index:j + 1])
            index = j + 1
        elif key not in normalised:
            merged.append(text)
    merged.extend(paragraphs[index:])
    return merged
