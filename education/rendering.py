"""Markdown to safe HTML, and HTML back to plain text.

Physicians write Markdown; it is converted with Python-Markdown and the result is sanitised with
nh3 (ammonia) against the allowlist below. Raw HTML inside the Markdown goes through the same
sanitiser, so it can add nothing the allowlist does not. Only the sanitised HTML is stored
(`ArticleVersion.body_html`) and only that field, or the preview of unsaved words made by the same
function, is ever rendered with `|safe`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import markdown
import nh3

ALLOWED_TAGS = frozenset(
    {
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "p",
        "br",
        "hr",
        "ul",
        "ol",
        "li",
        "a",
        "em",
        "strong",
        "code",
        "pre",
        "blockquote",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "img",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
ALIGN_VALUES = {"left", "center", "right"}
TAG_ATTRIBUTE_VALUES = {"th": {"align": ALIGN_VALUES}, "td": {"align": ALIGN_VALUES}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed with everything inside them (other disallowed tags are dropped but keep their text).
CLEAN_CONTENT_TAGS = frozenset(
    {
        "script",
        "style",
        "svg",
        "math",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "template",
        "noscript",
        "noembed",
        "noframes",
        "textarea",
        "select",
        "title",
        "xmp",
    }
)
LINK_REL = "noopener noreferrer"

# Images only from our own upload view (education.views.image) or our own static files.
IMAGE_SRC = re.compile(
    r"/education/images/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"\.(?:png|jpg|gif|webp)|/static/education/[A-Za-z0-9_\-/]+\.(?:png|jpg|jpeg|gif|webp)"
)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
# What browsers ignore when they read a URL's scheme: ASCII whitespace and control characters.
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")

MARKDOWN_EXTENSIONS = ["tables", "sane_lists", "fenced_code"]
MARKDOWN_CONFIG = {"tables": {"use_align_attribute": True}}
# The page's only <h1> is the article's title: "# Heading" becomes <h2> (before sanitising).
_H1 = re.compile(r"<(/?)h1\b", re.IGNORECASE)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """Second line of defence after nh3's own URL checks: a URL keeps only when it is relative or
    uses an allowed scheme, judged the way a browser reads it (whitespace and controls ignored,
    any case); an image must come from our own paths."""
    if attribute == "href":
        compact = _IGNORED_IN_URL.sub("", value).lower()
        if compact.startswith(("\\", "/\\")):
            return None
        scheme = _SCHEME.match(compact)
        if scheme and scheme.group(1) not in URL_SCHEMES:
            return None
        return value
    if attribute == "src":
        return value if tag == "img" and IMAGE_SRC.fullmatch(value) else None
    return value


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        strip_comments=True,
        link_rel=LINK_REL,
        tag_attribute_values={
            tag: {attr: set(values) for attr, values in attrs.items()}
            for tag, attrs in TAG_ATTRIBUTE_VALUES.items()
        },
        url_schemes=set(URL_SCHEMES),
        generic_attribute_prefixes=set(),
    )


def render_markdown(source: str) -> str:
    """Markdown source to sanitised HTML, ready to store and show."""
    html = markdown.markdown(
        source, extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_CONFIG
    )
    return sanitise_html(_H1.sub(r"<\1h2", html))


BLOCK_TAGS = frozenset(
    {
        "p",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "td",
        "th",
        "pre",
        "blockquote",
        "br",
        "hr",
        "ul",
        "ol",
        "table",
        "tr",
    }
)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []

    def _flush(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.blocks.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in BLOCK_TAGS:
            self._flush()
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self._current.append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        self._current.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_blocks(html: str) -> list[str]:
    """The text of each paragraph, list item, heading or table cell, in order."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return collector.blocks


def html_to_text(html: str) -> str:
    return "\n".join(html_blocks(html))
