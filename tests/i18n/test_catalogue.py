"""The Spanish catalogue is complete, matches the strings the code marks, and is compiled."""

from __future__ import annotations

import gettext
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from .catalogue import MO_PATH, PLACEHOLDER, PO_PATH, parse_po

IGNORED = ["tests", "bench", "staticfiles", ".venv", "node_modules"]


def placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


def test_every_msgid_has_a_spanish_msgstr_with_the_same_placeholders():
    entries = parse_po()
    header = entries[0]
    assert header.msgid == ""
    assert "Language: es" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert len(entries) > 1000
    problems = []
    for entry in entries[1:]:
        if "fuzzy" in entry.flags:
            problems.append(("fuzzy", entry.msgid))
        if not all(text.strip() for text in entry.msgstr):
            problems.append(("untranslated", entry.msgid))
        if entry.plural is not None and len(entry.msgstr) != 2:
            problems.append(("plural forms", entry.msgid))
        expected = placeholders(entry.msgid) | placeholders(entry.plural or "")
        for text in entry.msgstr:
            if placeholders(text) - expected or (
                entry.plural is None and placeholders(text) != expected
            ):
                problems.append(("placeholders", entry.msgid))
    assert problems == []


def test_the_compiled_catalogue_is_up_to_date_with_the_po_file():
    with MO_PATH.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    entries = parse_po()[1:]
    stale = []
    for entry in entries:
        if entry.plural is not None:
            translated = [
                catalogue.npgettext(entry.context, entry.msgid, entry.plural, n)
                if entry.context
                else catalogue.ngettext(entry.msgid, entry.plural, n)
                for n in (1, 2)
            ]
        else:
            translated = [
                catalogue.pgettext(entry.context, entry.msgid)
                if entry.context
                else catalogue.gettext(entry.msgid)
            ]
        if translated != entry.msgstr:
            stale.append(entry.msgid)
    assert stale == []
    # Nothing compiled that the .po no longer has.
    assert len(catalogue._catalog) - 1 == len(entries) + sum(
        1 for entry in entries if entry.plural is not None
    )


def test_the_po_file_holds_every_string_the_code_marks(tmp_path, monkeypatch):
    """`make messages` would add nothing: every marked string is in the catalogue. It runs on a
    copy (the sources linked into a folder of their own), never on the committed file."""
    for source in Path(settings.BASE_DIR).iterdir():
        if source.name not in ("locale", ".git", *IGNORED) and not source.name.startswith("."):
            (tmp_path / source.name).symlink_to(source)
    copy = tmp_path / "locale" / "es" / "LC_MESSAGES"
    copy.mkdir(parents=True)
    shutil.copy(PO_PATH, copy / "django.po")
    before = PO_PATH.read_bytes()
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command(
            "makemessages",
            locale=["es"],
            ignore_patterns=IGNORED,
            symlinks=True,
            no_obsolete=True,
            verbosity=0,
        )
    assert PO_PATH.read_bytes() == before
    fresh = {(entry.context, entry.msgid) for entry in parse_po(copy / "django.po")[1:]}
    committed = {(entry.context, entry.msgid) for entry in parse_po()[1:]}
    assert fresh - committed == set(), "run `make messages`, translate, `make compilemessages`"
    assert committed - fresh == set(), "strings no longer used: run `make messages`"
