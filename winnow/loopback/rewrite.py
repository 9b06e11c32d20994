"""HTML rewriting for replay: links to replay URLs, decoding of archived payloads."""
from __future__ import annotations

import codecs
import html
import re
from urllib.parse import urljoin

# Comments, whole script/style elements (their text is not HTML), and start tags
_TOKEN = re.compile(r"<!--.*?-->|<(script|style)\b[^>]*>.*?</\1\s*>|<[a-zA-Z][^>]*>", re.S | re.I)
_ATTR = re.compile(r"""(?P<pre>\s)(?P<name>[^\s"'>/=]+)(?P<eq>\s*=\s*)(?P<value>"[^"]*"|'[^']*'|[^\s"'>]+)""")
_TAG_NAME = re.compile(r"<([a-zA-Z][\w:-]*)")
_SKIP_URL = re.compile(r"^(?:#|(?:mailto|javascript|data|tel|about|blob):)", re.I)
_META_CHARSET = re.compile(r"""(<meta\b[^>]*?charset\s*=\s*["']?)([\w.:-]+)""", re.I)


def _modifier(tag: str, attr: str, attrs: dict[str, str]) -> str | None:
    """Which replay modifier an attribute's URL gets (None: not a URL to rewrite)."""
    if attr == "href" and tag in ("a", "area", "link", "base"):
        rel = attrs.get("rel", "").lower().split()
        return "cs_" if "stylesheet" in rel else "im_" if "icon" in rel else ""
    if attr == "src":
        if tag == "img" or (tag == "input" and attrs.get("type", "").lower() == "image"):
            return "im_"
        return {"script": "js_", "iframe": "if_", "frame": "if_"}.get(tag, "")
    if attr == "srcset" and tag in ("img", "source"):
        return "im_"
    if attr == "action" and tag == "form":
        return ""
    if attr == "poster" and tag == "video":
        return "im_"
    if attr == "content" and tag == "meta":
        prop = (attrs.get("property") or attrs.get("name") or "").lower()
        return {"og:url": "", "og:image": "im_", "twitter:image": "im_"}.get(prop)
    return None


def rewrite_html(text: str, original_url: str, prefix: str, timestamp: str,
                 head_insert: str = "", body_insert: str = "") -> str:
    """Rewrite links to replay URLs (prefix/timestamp[mod]/absolute-url) and insert archive markup.

    head_insert goes right after <head>, body_insert right after <body>.
    Regex-based like the archives' own rewriters, so everything else stays byte for byte.
    """
    base = original_url
    found = re.search(r"<base\b[^>]*\bhref\s*=\s*[\"']?([^\"'\s>]+)", text, re.I)
    if found:
        base = urljoin(original_url, html.unescape(found.group(1)))

    def to_replay(url: str, mod: str) -> str:
        if not url.strip() or _SKIP_URL.match(url.strip()):
            return url
        absolute = urljoin(base, url.strip())
        if not absolute.lower().startswith(("http://", "https://")):
            return url
        return f"{prefix}/{timestamp}{mod}/{absolute}"

    def rewrite_tag(tag_text: str) -> str:
        tag = _TAG_NAME.match(tag_text).group(1).lower()
        attrs = {m["name"].lower(): html.unescape(m["value"].strip("\"'")) for m in _ATTR.finditer(tag_text)}

        def attr(m: re.Match) -> str:
            name = m["name"].lower()
            mod = _modifier(tag, name, attrs)
            if mod is None:
                return m.group(0)
            raw = m["value"]
            quote = raw[0] if raw[0] in "\"'" else ""
            value = raw[1:-1] if quote else raw
            if name == "srcset":  # "a.png 1x, b.png 2x"
                value = ", ".join(" ".join([to_replay(c.split()[0], mod)] + c.split()[1:])
                                  for c in value.split(",") if c.strip())
            else:
                value = to_replay(value, mod)
            return f"{m['pre']}{m['name']}{m['eq']}{quote}{value}{quote}"

        return _ATTR.sub(attr, tag_text)

    out: list[str] = []
    position = 0
    head_at = body_at = html_at = None  # where in `out` the inserts go
    for token in _TOKEN.finditer(text):
        out.append(text[position:token.start()])
        position = token.end()
        chunk = token.group(0)
        if chunk.startswith("<!--"):
            out.append(chunk)
            continue
        start_tag = re.match(r"<[^>]*>", chunk).group(0)  # for script/style, only the start tag has URLs
        out.append(rewrite_tag(start_tag) + chunk[len(start_tag):])
        tag = _TAG_NAME.match(start_tag).group(1).lower()
        if tag == "html" and html_at is None:
            html_at = len(out)
        elif tag == "head" and head_at is None:
            head_at = len(out)
        elif tag == "body" and body_at is None:
            body_at = len(out)
    out.append(text[position:])

    # Insert from the back so earlier indexes stay valid; pages without <head>/<body> still get them
    if body_at is None:
        body_at = head_at if head_at is not None else (html_at or 0)
        for index, chunk in enumerate(out):
            if re.search(r"</head\s*>", chunk, re.I):
                before, closing, after = re.split(r"(</head\s*>)", chunk, maxsplit=1, flags=re.I)
                out[index:index + 1] = [before + closing, after]
                body_at = index + 1
                break
    if head_at is None:
        head_at = html_at or 0
    out.insert(body_at, body_insert)
    out.insert(head_at, head_insert)
    return _META_CHARSET.sub(r"\1utf-8", "".join(out))  # we answer utf-8 whatever the page said


def append_after_html(text: str, tail: str) -> str:
    """Put tail right after the last </html> (or at the end), where the archives append their comments."""
    ends = [m.end() for m in re.finditer(r"</html\s*>", text, re.I)]
    cut = ends[-1] if ends else len(text)
    return text[:cut] + "\n" + tail + text[cut:]


def decode_payload(body: bytes, content_type: str) -> str:
    charset = re.search(r"charset=[\"']?([\w.:-]+)", content_type or "", re.I)
    if not charset:
        charset = re.search(rb"""<meta\b[^>]*?charset\s*=\s*["']?([\w.:-]+)""", body[:4096], re.I)
    name = charset.group(1) if charset else "utf-8"
    name = name.decode("ascii", "replace") if isinstance(name, bytes) else name
    try:
        codecs.lookup(name)
    except LookupError:
        name = "utf-8"
    if name.lower().replace("_", "-") in ("utf-8", "utf8"):
        name = "utf-8-sig"  # drop a byte order mark
    return body.decode(name, errors="replace")
