"""Reading measures for each handout language, and its sentence length limit.

English keeps the Flesch-Kincaid grade (:mod:`.readability`). For a translation, the measure
is the one published for that language, computed from the same sentences (a heading or list
item is never run into the next):

- Spanish, Fernández Huerta (1959):        206.84 - 0.60 * S100 - 1.02 * W/S
- French, Kandel and Moles (1958):         207 - 1.015 * W/S - 73.6 * Y/W
- German, Amstad (1978):                   180 - W/S - 58.5 * Y/W
- Portuguese, Martins et al. (1996):       248.835 - 1.015 * W/S - 84.6 * Y/W
- Russian, Oborneva (2006):                206.835 - 1.3 * W/S - 60.1 * Y/W
- Italian, Gulpease (Lucisano and Piemontese, 1988): 89 + (300 * S - 10 * L) / W

(W words, S sentences, Y syllables, L letters, S100 syllables per 100 words.) Syllables are the
groups of vowels in a word (in Russian each vowel, as every Russian vowel is a syllable of its
own; in French less a final mute e), which is how these formulas' authors counted them by hand. The first five
share Flesch's scale, on which 70 and above reads "fairly easy", about grade 6 to 7: the
limit. On the Gulpease scale, 60 and above is easy for a reader with middle-school education.
Chinese, Japanese and Korean are measured in characters per sentence. The other languages
(Polish, Vietnamese, Tagalog, Haitian Creole, Hindi, Arabic) have no measure here: their
sentence and list lengths are checked, as every language's are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from . import MAX_SENTENCE_WORDS
from .readability import measure, split_sentences, words

CHARACTER_LANGUAGES = frozenset({"zh-Hans", "zh-Hant", "ja", "ko"})
MAX_SENTENCE_CHARACTERS = 45  # Chinese, Japanese, Korean: characters (a word in Latin letters or digits counts one)
MAX_SENTENCE_WORDS_TRANSLATED = {"vi": 35}  # Vietnamese writes each syllable as a word
MAX_SENTENCE_WORDS_OTHERS = 25  # translations run longer than English (20)
_CJK_SENTENCE_END = re.compile(r"(?<=[。！？!?])\s*|(?<=[.])\s+")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
# A character of Chinese, Japanese or Korean writing (not its punctuation, U+3000-U+303F), or a
# run of Latin letters or digits (a name, a number, "mg"): each is one unit a reader takes in.
_CHARACTER = re.compile(
    r"[\u1100-\u11ff\u2e80-\u2fff\u3040-\u9fff\uac00-\ud7af\uf900-\ufaff]|[A-Za-z0-9\u00c0-\u024f]+"
)


@dataclass(frozen=True)
class Reading:
    """A handout's reading measure in its language."""

    name: str  # "Flesch-Kincaid grade", "Fernández Huerta"...
    short: str  # for the table: "FK", "FH"...
    value: float | None  # None: no measure for the language
    limit: float | None
    higher_is_easier: bool
    sentences: tuple[str, ...]
    unit: str  # "words" or "characters"
    max_sentence: int
    smog: float | None = None  # English only

    @property
    def failed(self) -> bool:
        if self.value is None or self.limit is None:
            return False
        return self.value < self.limit if self.higher_is_easier else self.value > self.limit

    def length(self, sentence: str) -> int:
        return sentence_length(sentence, self.unit)

    @property
    def longest(self) -> str:
        return max(self.sentences, key=self.length, default="")

    def over(self) -> list[str]:
        return [s for s in self.sentences if self.length(s) > self.max_sentence]

    def describe(self) -> str:
        """The measure and its limit, for a finding: "Fernández Huerta 64.2 is below 70"."""
        side = "below" if self.higher_is_easier else "above"
        return f"{self.name} {self.value:.1f} is {side} {self.limit:g}"


def sentence_length(sentence: str, unit: str) -> int:
    if unit == "characters":
        return len(_CHARACTER.findall(sentence))
    return len(words(sentence))


def sentences_of(blocks: Iterable[str], language: str) -> tuple[str, ...]:
    if language in CHARACTER_LANGUAGES - {"ko"}:
        return tuple(s.strip() for block in blocks for s in _CJK_SENTENCE_END.split(block) if _LETTER.search(s))
    return tuple(s for block in blocks for s in split_sentences(block))


# The vowels of each measured language; a run of them is one syllable (Russian: each one).
_VOWELS = {
    "es": "aeiouáéíóúü",
    "fr": "aeiouyàâéèêëîïôûùüœæ",
    "de": "aeiouyäöü",
    "pt": "aeiouáâãàéêíóôõú",
    "it": "aeiouàèéìíòóùú",
    "ru": "аеёиоуыэюя",
}


@lru_cache(maxsize=8)
def _syllable_pattern(language: str) -> re.Pattern[str]:
    vowels = _VOWELS[language]
    return re.compile(f"[{vowels}]" if language == "ru" else f"[{vowels}]+")


_FRENCH_MUTE_E = re.compile(r"(?<=[^aeiouyàâéèêëîïôûùüœæ])es?$")  # "grande", "portes": not spoken


def _syllables(word: str, language: str) -> int:
    if not _LETTER.search(word):
        return 1
    word = word.lower()
    if language == "fr":
        word = _FRENCH_MUTE_E.sub("", word)
    return max(1, len(_syllable_pattern(language).findall(word)))


def _counts(sentences: tuple[str, ...], language: str) -> tuple[int, int, int, int]:
    """Words, sentences, syllables and letters."""
    all_words = [w for s in sentences for w in words(s)]
    syllables = sum(_syllables(w, language) for w in all_words)
    letters = sum(len(_LETTER.findall(w)) for w in all_words)
    return max(len(all_words), 1), max(len(sentences), 1), syllables, letters


Formula = Callable[[int, int, int, int], float]  # (words, sentences, syllables, letters) -> score
FORMULAS: dict[str, tuple[str, str, Formula, float]] = {
    "es": ("Fernández Huerta", "FH", lambda w, s, y, _: 206.84 - 0.60 * 100 * y / w - 1.02 * w / s, 70),
    "fr": ("Kandel-Moles", "KM", lambda w, s, y, _: 207 - 1.015 * w / s - 73.6 * y / w, 70),
    "de": ("Amstad", "AM", lambda w, s, y, _: 180 - w / s - 58.5 * y / w, 70),
    "pt": ("Martins", "FM", lambda w, s, y, _: 248.835 - 1.015 * w / s - 84.6 * y / w, 70),
    "ru": ("Oborneva", "OB", lambda w, s, y, _: 206.835 - 1.3 * w / s - 60.1 * y / w, 70),
    "it": ("Gulpease", "GU", lambda w, s, _, letters: 89 + (300 * s - 10 * letters) / w, 60),
}


def reading(blocks: list[str], language: str, max_grade: float) -> Reading:
    """The reading measure of a handout's text blocks in ``language``."""
    if language == "en":
        english = measure(blocks)
        return Reading(
            "Flesch-Kincaid grade",
            "FK",
            english.grade,
            max_grade,
            False,
            english.sentences,
            "words",
            MAX_SENTENCE_WORDS,
            english.smog,
        )
    sentences = sentences_of(blocks, language)
    if language in CHARACTER_LANGUAGES:
        mean = sum(sentence_length(s, "characters") for s in sentences) / max(len(sentences), 1)
        return Reading(
            "characters a sentence", "ch", round(mean, 1), None, False, sentences, "characters", MAX_SENTENCE_CHARACTERS
        )
    limit = MAX_SENTENCE_WORDS_TRANSLATED.get(language, MAX_SENTENCE_WORDS_OTHERS)
    if language not in FORMULAS:
        return Reading("no measure for this language", "-", None, None, True, sentences, "words", limit)
    name, short, formula, minimum = FORMULAS[language]
    score = formula(*_counts(sentences, language))
    return Reading(name, short, round(score, 1), minimum, True, sentences, "words", limit)
