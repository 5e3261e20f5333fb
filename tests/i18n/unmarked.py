"""Finding text in a template that nobody marked for translation.

A template is read with Django's own lexer. Every template tag, variable and comment becomes a
neutral placeholder, and so does everything between {% blocktranslate %} and its end tag; what is
left is the template's literal text. That is read as HTML: text between tags, and the attributes
people read or hear (alt, title, placeholder, aria-label, a button's value), must hold no letters.
Plain-text templates (emails) are all text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

PLACEHOLDER = "\x00"
LETTER = re.compile(r"[^\W\d_]")
# Words that stay the same in every language: the product's name and format names.
NOT_WORDS = {"Rapport", "FHIR", "JSON", "CSV", "PDF", "SHA-256", "Ed25519", "TOTP", "WebAuthn"}
READ_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "label"}
BUTTON_TYPES = {"submit", "button", "reset"}


def literal_text(source: str) -> str:
    """The template with every tag, variable, comment and translated block made a placeholder."""
    parts = []
    skipping: str | None = None  # the end tag we are waiting for
    for token in Lexer(source).tokenize():
        if token.token_type is TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if skipping is None and name in ("blocktranslate", "blocktrans", "comment"):
                skipping = "end" + name
            elif skipping is not None and name == skipping:
                skipping = None
            parts.append(PLACEHOLDER)
        elif token.token_type is TokenType.TEXT and skipping is None:
            parts.append(token.contents)
        else:
            parts.append(PLACEHOLDER)
    return "".join(parts)


def _words(text: str) -> str | None:
    text = text.replace(PLACEHOLDER, " ")
    words = [word for word in text.split() if word.strip(".,:;()·") not in NOT_WORDS]
    remainder = " ".join(words)
    return remainder if LETTER.search(remainder) else None


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._in_code += 1
        values = dict(attrs)
        for name, value in attrs:
            readable = name in READ_ATTRIBUTES or (
                name == "value"
                and tag in ("input", "button")
                and values.get("type") in BUTTON_TYPES
            )
            if readable and value and (words := _words(value)):
                self.found.append(f'{tag} {name}="{words}"')

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._in_code = max(0, self._in_code - 1)

    def handle_data(self, data: str) -> None:
        if not self._in_code and (words := _words(data)):
            self.found.append(words)


def unmarked_strings(path: Path) -> list[str]:
    text = literal_text(path.read_text())
    if path.suffix == ".txt":
        words = _words(text)
        return [words] if words else []
    collector = _Collector()
    collector.feed(text)
    collector.close()
    return collector.found
