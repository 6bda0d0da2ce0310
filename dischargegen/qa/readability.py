"""Readability measures of a handout's text: sentences, Flesch-Kincaid grade and SMOG index.

The text comes from the document tree, block by block (a heading, a list item or a paragraph
is never run together with the next block), so a sentence is what a reader sees as one.

Syllables are counted by textstat (its CMU pronouncing dictionary, Pyphen for other words).
Where textstat cannot count (releases that download NLTK's dictionary on first use fail on a
machine without internet access), a vowel-group count is used, which is within a few percent
of the dictionary on handout words. Sentences are split here rather than by textstat, so that
a heading never runs into the next sentence. The formulas are the published ones::

    Flesch-Kincaid grade = 0.39 * words / sentences + 11.8 * syllables / words - 15.59
    SMOG index           = 1.043 * sqrt(30 * polysyllables / sentences) + 3.1291
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

_ABBREVIATIONS = ("Dr.", "Mr.", "Mrs.", "Ms.", "St.", "Jr.", "Sr.", "No.", "e.g.", "i.e.", "vs.")
_SENTENCE_END = re.compile(r"(?<=[.!?\u0964])[\"')\]]*\s+(?=\S)")  # U+0964: the Devanagari full stop
# A letter, then letters and the combining marks that belong to them (Devanagari vowel signs and
# virama, Latin accents): one word, as a reader sees it.
_LETTERS = "(?:[^\\W_]|[\u0300-\u036f\u0900-\u0903\u093a-\u094f\u0955-\u0957\u0962\u0963])"
_WORD = re.compile(f"[^\\W_]{_LETTERS}*(?:['’.,-]{_LETTERS}+)*")


@dataclass(frozen=True)
class Readability:
    sentences: tuple[str, ...]
    words: int
    syllables: int
    polysyllables: int
    grade: float  # Flesch-Kincaid grade level
    smog: float

    @property
    def longest(self) -> str:
        return max(self.sentences, key=word_count, default="")

    def over(self, limit: int) -> list[str]:
        """Every sentence longer than ``limit`` words."""
        return [s for s in self.sentences if word_count(s) > limit]


def split_sentences(block: str) -> list[str]:
    """The sentences of one block of text (abbreviations such as "Dr." do not end one)."""
    text = " ".join(block.split())
    if not text:
        return []
    protected = text
    for abbreviation in _ABBREVIATIONS:
        protected = protected.replace(abbreviation + " ", abbreviation.replace(".", "\x00") + " ")
    parts = _SENTENCE_END.split(protected)
    return [part.replace("\x00", ".").strip() for part in parts if _WORD.search(part)]


def words(text: str) -> list[str]:
    """Words and numbers: ``10``, ``4.5``, ``don't`` and ``follow-up`` each count as one."""
    return _WORD.findall(text)


def word_count(text: str) -> int:
    return len(words(text))


@lru_cache(maxsize=4096)
def syllables(word: str) -> int:
    """Syllables in one word: textstat's count (its pronouncing dictionary), else vowel groups."""
    counter = _textstat_counter()
    if counter is not None and re.search(r"[A-Za-z]", word):
        try:
            return max(int(counter(word)), 1)
        except Exception:
            pass
    return vowel_syllables(word)


@lru_cache(maxsize=1)
def _textstat_counter():  # type: ignore[no-untyped-def]
    try:
        import textstat  # type: ignore[import-untyped]  # deferred for start-up speed: slow to import, used only here
    except ImportError:
        return None
    try:
        textstat.syllable_count("medicine")
    except Exception:
        return None
    return textstat.syllable_count


def vowel_syllables(word: str) -> int:
    """Syllables in one word, by vowel groups; a number counts as one.

    Groups of vowels (y included) each make a syllable, less a silent final ``e`` (but not
    in ``-le`` after a consonant: "needle"), a silent ``-ed`` or ``-es``; ``ia``, ``io``,
    ``iu`` and ``ua`` count twice ("radiology", "actual"), except in ``-tion``.
    """
    total = 0
    for part in re.split(r"[-'’]", word.lower()):
        letters = re.sub(r"[^a-z]", "", part)
        if not letters:
            continue
        count = len(re.findall(r"[aeiouy]+", letters))
        if count > 1 and (
            (letters.endswith("e") and not re.search(r"[^aeiouy]le$", letters))
            or re.search(r"[^aeiouytd]ed$", letters)
            or re.search(r"[^aeiouyszxhcg]es$", letters)
        ):
            count -= 1
        count += len(re.findall(r"(?<!t)i[aou]|ua", letters))
        total += max(count, 1)
    return max(total, 1)


def measure(blocks: Iterable[str]) -> Readability:
    """Measure blocks of text (headings, paragraphs, list items) in reading order."""
    sentences = tuple(s for block in blocks for s in split_sentences(block))
    all_words = [w for s in sentences for w in words(s)]
    counts = [syllables(w) for w in all_words]
    n_words, n_sentences = max(len(all_words), 1), max(len(sentences), 1)
    n_syllables = sum(counts)
    poly = sum(1 for c in counts if c >= 3)
    grade = 0.39 * n_words / n_sentences + 11.8 * n_syllables / n_words - 15.59
    smog = 1.043 * math.sqrt(30 * poly / n_sentences) + 3.1291
    return Readability(sentences, len(all_words), n_syllables, poly, round(grade, 2), round(smog, 2))
