"""Markdown is rendered and sanitised against an allowlist: nothing hostile survives. Each output
is parsed and checked tag by tag, attribute by attribute, URL by URL (not by substring)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from education.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    IMAGE_SRC,
    TAG_ATTRIBUTE_VALUES,
    render_markdown,
)
from tests.factories.education import ArticleFactory

HOSTILE = [
    # script tags, in every dress
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script>alert(1)",  # unclosed
    "text <script\n>alert(1)</script\n> more",
    # event handlers and attribute injection
    '<img src="x" onerror="alert(1)">',
    "<p onclick=alert(1) onmouseover='alert(2)'>click</p>",
    '<a href="https://ok.example" onfocus="alert(1)" autofocus>x</a>',
    '<body onload=alert(1)><div onpointerenter="alert(1)">hi</div>',
    '![x" onerror="alert(1)](/static/education/a.png)',
    '[x](https://ok.example "title\\" onmouseover=\\"alert(1)")',
    '<img src=/static/education/a.png alt="a" style="background:url(javascript:alert(1))">',
    # javascript:, data:, vbscript: URLs, plain, mixed case, entity-encoded, split
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](jav&#x61;script:alert(1))",
    "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    '<a href="java\tscript:alert(1)">tab</a>',
    '<a href="  javascript:alert(1)">spaces</a>',
    '<a href="javascript&colon;alert(1)">colon entity</a>',
    "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href='DATA:text/html,<script>alert(1)</script>'>data</a>",
    '<a href="vbscript:msgbox(1)">vb</a>',
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '<img src="https://evil.example/track.png">',
    '<img src="//evil.example/a.png">',
    '<img src="/static/education/../../admin/x.png">',
    "[ref]: javascript:alert(1)\n\n[link][ref]",
    "<https://ok.example> <javascript:alert(1)>",
    # SVG and MathML payloads
    "<svg onload=alert(1)><circle r=10 /></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    # nested-markup tricks, mutation XSS, comments
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<!--<img src=x onerror=alert(1)>-->",
    '<a href="https://ok.example"><a href="javascript:alert(1)">nested</a></a>',
    "<<script>script>alert(1)<</script>/script>",
    '<div><p>unclosed <em>tags <a href="javascript:alert(1)">x',
    "<template><script>alert(1)</script></template>",
    # embedding and styling
    '<iframe src="https://evil.example"></iframe>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<form action="https://evil.example"><input name=x><button>Go</button></form>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="position:fixed;top:0">overlay</p>',
    '<link rel=stylesheet href="https://evil.example/x.css">'
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    # raw HTML blocks inside Markdown
    '<div markdown="1">\n\n*hi* <script>alert(1)</script>\n\n</div>',
    "```html\n<script>alert(1)</script>\n```",
    "    <script>alert('indented code')</script>",
    '<details open ontoggle="alert(1)"><summary>x</summary></details>',
    '<table background="javascript:alert(1)">'
    '<tr><td style="x" align="javascript">c</td></tr></table>',
    '<h1 id="x" class="y">Heading</h1><p id="main">id clobbering</p>',
]

URL_ATTRIBUTES = {"href", "src"}
SAFE_SCHEMES = {"http", "https", "mailto"}


class Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def scheme_of(url: str) -> str | None:
    compact = re.sub(r"[\x00-\x20\x7f]+", "", url).lower()
    match = re.match(r"^([a-z][a-z0-9+.\-]*):", compact)
    return match.group(1) if match else None


def assert_harmless(html: str) -> None:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    for tag, attrs in inspector.elements:
        assert tag in ALLOWED_TAGS, f"disallowed tag <{tag}> in {html!r}"
        allowed = set(ALLOWED_ATTRIBUTES.get(tag, set())) | set(TAG_ATTRIBUTE_VALUES.get(tag, {}))
        if tag == "a":
            allowed.add("rel")
        for name, value in attrs.items():
            assert name in allowed, f"disallowed attribute {name} on <{tag}> in {html!r}"
            assert not name.startswith("on")
            assert name != "style"
            if name in TAG_ATTRIBUTE_VALUES.get(tag, {}):
                assert value in TAG_ATTRIBUTE_VALUES[tag][name]
            if name in URL_ATTRIBUTES:
                scheme = scheme_of(value or "")
                assert scheme in SAFE_SCHEMES | {None}, f"URL scheme {scheme} in {html!r}"
            if name == "src":
                assert IMAGE_SRC.fullmatch(value or ""), f"foreign image {value!r}"
        if tag == "a":
            assert attrs.get("rel") == "noopener noreferrer"


def test_there_are_at_least_twenty_hostile_inputs():
    assert len(HOSTILE) >= 20


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_renders_harmless(source):
    assert_harmless(render_markdown(source))


@pytest.mark.parametrize("source", HOSTILE)
def test_sanitising_twice_changes_nothing(source):
    """The stored HTML is a fixed point: nothing left in it that a second pass would remove."""
    once = render_markdown(source)
    from education.rendering import sanitise_html

    assert sanitise_html(once) == once


def test_script_content_is_dropped_not_shown():
    html = render_markdown("Before <script>alert('x')</script> after")
    assert "alert" not in html
    assert "Before" in html and "after" in html


def test_plain_markdown_keeps_its_structure():
    html = render_markdown(
        "# Heading\n\nSome *emphasis* and **strong** and `code`.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n"
        "[a link](https://example.org/page) and [mail](mailto:help@example.org) and "
        "[relative](/education/)\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n"
        "![A hand washing](/static/education/handwashing.png)"
    )
    assert_harmless(html)
    for fragment in [
        "<h2>Heading</h2>",
        "<em>emphasis</em>",
        "<strong>strong</strong>",
        "<code>code</code>",
        "<ul>",
        "<ol>",
        "<blockquote>",
        '<a href="https://example.org/page" rel="noopener noreferrer">a link</a>',
        'href="mailto:help@example.org"',
        'href="/education/"',
        '<th align="left">a</th>',
        '<td align="right">2</td>',
        '<img alt="A hand washing" src="/static/education/handwashing.png">',
    ]:
        assert fragment in html


def test_top_level_heading_becomes_h2_so_the_page_keeps_one_h1():
    assert render_markdown("# Title").startswith("<h2>")
    assert render_markdown("<h1>Raw</h1>") == "<h2>Raw</h2>"


def test_article_page_serves_only_the_sanitised_html(client, physician, other_physician):
    article = ArticleFactory(
        author=physician,
        reviewer=other_physician,
        status="published",
        title="<script>alert('title')</script>Colds",
        summary='<img src=x onerror="alert(1)"> summary',
        body="Hello <script>alert('body')</script> [x](javascript:alert(1))",
    )
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;Colds" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; summary" in page
    assert "javascript:" not in page
    assert "alert('body')" not in page
