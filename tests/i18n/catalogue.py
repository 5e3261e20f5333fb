"""Reading locale/es/LC_MESSAGES/django.po in tests, and spotting English left on a page."""

from __future__ import annotations

import ast
import html
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings

PO_PATH = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


@dataclass
class Entry:
    msgid: str
    context: str | None = None
    plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)


def parse_po(path: Path = PO_PATH) -> list[Entry]:
    """Every entry of a .po file, the header (empty msgid) first."""
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    flags: set[str] = set()
    key = None

    def finish() -> None:
        if "msgid" in fields:
            strings = [fields[k] for k in sorted(fields) if k.startswith("msgstr")]
            entries.append(
                Entry(
                    msgid=fields["msgid"],
                    context=fields.get("msgctxt"),
                    plural=fields.get("msgid_plural"),
                    msgstr=strings,
                    flags=set(flags),
                )
            )
        fields.clear()
        flags.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        if line.startswith("#,"):
            if key and key.startswith("msgstr"):
                finish()
                key = None
            flags.update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith("#"):
            if key and key.startswith("msgstr"):
                finish()
                key = None
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line)
        if match:
            if key and key.startswith("msgstr") and match.group(1) in ("msgctxt", "msgid"):
                finish()
            key = match.group(1)
            fields[key] = ast.literal_eval(match.group(2))
        else:
            fields[key] += ast.literal_eval(line)
    finish()
    return entries


@cache
def english_phrases() -> tuple[str, ...]:
    """Marked English sentences whose Spanish differs, as they appear on a page (placeholders
    split them into the fixed phrases around them), at least three words long."""
    phrases = set()
    for entry in parse_po()[1:]:
        for english, spanish in ((entry.msgid, entry.msgstr[0]), (entry.plural, entry.msgstr[-1])):
            if not english or english == spanish:
                continue
            for part in PLACEHOLDER.split(english):
                text = re.sub(r"<[^>]+>", " ", part or "")
                text = " ".join(text.split()).strip(" .,:;()")
                if len(text.split()) >= 3:
                    phrases.add(text)
    return tuple(sorted(phrases))


def visible_text(page: str) -> str:
    """A page's text as a reader gets it: no scripts, styles or tags, entities decoded."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(page).split())


def english_left(page: str) -> list[str]:
    """English phrases from the catalogue still on the page (it should be all Spanish)."""
    text = visible_text(page)
    return [phrase for phrase in english_phrases() if phrase in text]
