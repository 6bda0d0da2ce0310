"""Language codes as records and people give them, and the handout language each one means.

A record names a language as a BCP 47 tag (FHIR ``Patient.communication``: ``es-MX``,
``zh-TW``, ``zh-Hant``, ``fil``), an ISO 639-2 or 639-3 code (HL7 v2 PID-15, table 0296:
``spa``, ``chi``, ``zho``, ``tgl``), or in either case and with ``_`` for ``-``. Templates are
named by the tag a patient reads: the language alone (``es``), or with its script where one
language is written two ways (``zh-Hans``, ``zh-Hant``). :func:`negotiate` picks the template a
code asks for; a code that asks for none of them gets ``None`` (the caller falls back to English
and says so).
"""

from __future__ import annotations

import re

SOURCE_LANGUAGE = "en"  # the language the content is written in; every other one is translated
RIGHT_TO_LEFT = frozenset({"ar"})  # languages written right to left: laid out on mirrored pages

# ISO 639-2 (bibliographic and terminology) and 639-3 codes -> the ISO 639-1 subtag or the tag
# a template is named by. Chinese varieties: Mandarin is read in either script (the region then
# decides); Cantonese readers mostly read Traditional characters.
ISO639 = {
    "eng": "en", "spa": "es", "fra": "fr", "fre": "fr", "deu": "de", "ger": "de", "ita": "it",
    "por": "pt", "nld": "nl", "dut": "nl", "rus": "ru", "ukr": "uk", "pol": "pl", "zho": "zh",
    "chi": "zh", "cmn": "zh", "yue": "zh-Hant", "jpn": "ja", "kor": "ko", "vie": "vi", "tgl": "tl",
    "fil": "tl", "ara": "ar", "arb": "ar", "fas": "fa", "per": "fa", "hin": "hi", "urd": "ur",
    "ben": "bn", "pan": "pa", "guj": "gu", "hat": "ht", "hmn": "hmn", "som": "so", "amh": "am",
    "tur": "tr", "ell": "el", "gre": "el", "heb": "he",
}  # fmt: skip
# BCP 47 language subtags with another name here: Filipino is read as Tagalog; "iw" is the old "he".
ALIASES = {"fil": "tl", "iw": "he", "in": "id", "ji": "yi"}
# Chinese without a script subtag: CLDR's likely script for the region.
TRADITIONAL_REGIONS = frozenset({"TW", "HK", "MO"})

_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


# Characters that order text for display and draw nothing: marks, embeddings and isolates of the
# Unicode bidirectional algorithm. Patient text may not hold them; the engine sets isolates.
DIRECTION_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class Script:
    """The characters of a script, as ranges of code points: :meth:`search` finds one in a text.

    The pattern is compiled the first time a text reaching the script's range is searched: a
    class of a few thousand code points takes a millisecond or two to compile, and an English
    handout with English names never needs one."""

    def __init__(self, *ranges: tuple[str, str]) -> None:
        self._class = "[" + "".join(f"{first}-{last}" for first, last in ranges) + "]"
        self._lowest = min(first for first, _ in ranges)
        self._pattern: re.Pattern[str] | None = None

    def _reaches(self, text: str) -> bool:
        return bool(text) and max(text) >= self._lowest

    @property
    def pattern(self) -> re.Pattern[str]:
        if self._pattern is None:
            self._pattern = re.compile(self._class)
        return self._pattern

    def search(self, text: str) -> re.Match[str] | None:
        """The first character of the script in ``text``, if any."""
        return self.pattern.search(text) if self._reaches(text) else None

    def match(self, text: str) -> re.Match[str] | None:
        """Whether ``text`` starts with a character of the script."""
        return self.pattern.match(text) if self._reaches(text) else None


# Scripts whose words most likely belong to one language (a name in an English handout), and the
# languages that write them: a Cyrillic word in Russian text, or a Chinese character in Japanese,
# is no change of language.
ARABIC_SCRIPT = Script(
    ("\u0600", "\u06ff"), ("\u0750", "\u077f"), ("\u08a0", "\u08ff"), ("\ufb50", "\ufdff"), ("\ufe70", "\ufeff")
)
DEVANAGARI_SCRIPT = Script(("\u0900", "\u097f"), ("\ua8e0", "\ua8ff"))
_SCRIPTS = (
    (ARABIC_SCRIPT, "ar", {"ar", "fa", "ur"}),
    (Script(("\u0590", "\u05ff"), ("\ufb1d", "\ufb4f")), "he", {"he", "yi"}),
    (DEVANAGARI_SCRIPT, "hi", {"hi", "mr", "ne"}),
    (Script(("\u1100", "\u11ff"), ("\u3130", "\u318f"), ("\uac00", "\ud7af")), "ko", {"ko"}),
    (Script(("\u3040", "\u30ff")), "ja", {"ja"}),
    (Script(("\u3400", "\u4dbf"), ("\u4e00", "\u9fff")), "zh", {"zh", "ja", "ko"}),
    (Script(("\u0400", "\u04ff")), "ru", {"ru", "uk", "be", "bg", "sr", "mk", "kk"}),
    (Script(("\u0370", "\u03ff")), "el", {"el"}),
)  # fmt: skip


def written_in_another(text: str, language: str) -> str | None:
    """The language ``text`` most likely is when its script is not one ``language`` is written
    in (an Arabic name in an English handout: ``ar``), so that a screen reader can change voice;
    None when it may be ``language`` (Latin letters, digits, Chinese characters in Japanese)."""
    primary = language.split("-")[0]
    for script, likely, writers in _SCRIPTS:
        if script.search(text):
            return None if primary in writers else likely
    return None


def isolated(text: str) -> str:
    """``text`` between FSI and PDI, the first-strong isolate of the Unicode bidirectional
    algorithm: it reads in its own direction, as a unit, whatever text is around it."""
    return f"\u2068{text}\u2069"


def isolate(text: str, language: str) -> str:
    """A value set apart from the text around it in a right-to-left language (:func:`isolated`;
    W3C's advice for values put into text). Without it "(617) 555-0100" in an Arabic sentence is
    drawn with its groups in reverse order, as the algorithm requires, and "500 mg" as "mg 500"."""
    return isolated(text) if language in RIGHT_TO_LEFT and text else text


def well_formed(code: str) -> bool:
    """Whether ``code`` looks like a language code (``es``, ``es-MX``, ``zh_Hant_TW``, ``spa``)."""
    return len(code) <= 35 and _TAG.match(code.replace("_", "-")) is not None


def normalize(code: str) -> str:
    """The tag a template would be named by for ``code``: ``es-MX`` -> ``es``, ``zh-TW`` ->
    ``zh-Hant``, ``zh``/``zh-CN``/``chi`` -> ``zh-Hans``, ``fil``/``tgl`` -> ``tl``, ``spa`` -> ``es``.
    ``code`` must be :func:`well_formed`."""
    subtags = code.replace("_", "-").split("-")
    first = subtags[0].lower()
    language = ALIASES.get(first) or ISO639.get(first, first)
    script = next((s.title() for s in subtags[1:] if len(s) == 4 and s.isalpha()), None)
    regions = (s.upper() for s in subtags[1:] if (len(s) == 2 and s.isalpha()) or (len(s) == 3 and s.isdigit()))
    region = next(regions, None)
    if "-" in language:  # an ISO 639 code that already names the script (yue)
        return language
    if language == "zh":
        if script not in ("Hans", "Hant"):
            script = "Hant" if region in TRADITIONAL_REGIONS else "Hans"
        return f"zh-{script}"
    return language


def negotiate(code: str, available: tuple[str, ...]) -> str | None:
    """The template language of ``available`` that ``code`` asks for, or None."""
    wanted = normalize(code)
    by_lower = {tag.lower(): tag for tag in available}
    return by_lower.get(wanted.lower())


def babel_locale(tag: str) -> str:
    """Babel's identifier for a template language: ``zh-Hans`` -> ``zh_Hans``, ``tl`` -> ``fil``
    (CLDR has its data as Filipino)."""
    return "fil" if tag == "tl" else tag.replace("-", "_")
