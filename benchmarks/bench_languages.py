"""Render speed per language, in one process, after each language's first render.

    python benchmarks/bench_languages.py [--runs N] [--languages en zh-Hans ...]

For each language: the first render (which loads the fonts it needs: WenQuanYi Micro Hei for
Chinese, Japanese and Korean, once per process) and the median warm render of the translation
alone (no English copy), then its ratio to English's warm render. Renders alternate between the
languages run by run, so that machine load affects each alike. Target: Chinese warm within 1.5x
of English. Warm renders of one handout reuse its embedded font subsets and their compressed
streams (kept per process, as for a batch of one template in one language, whose handouts open
with the same text). Also prints how many times each font file was read in the whole run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter

from bench_make import FACTS  # the same patient as the other benchmarks
from reportlab.pdfbase import ttfonts

from dischargegen import api
from dischargegen.model import RenderOptions


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--languages", nargs="*", default=["en", "es", "zh-Hans", "zh-Hant", "ja", "ko", "ru", "vi"])
    args = parser.parse_args()

    reads: Counter[str] = Counter()
    original = ttfonts.TTFontFile.__init__

    def counting(self, file, *a, **k):  # type: ignore[no-untyped-def]
        reads[str(file).rsplit("/", 1)[-1]] += 1
        original(self, file, *a, **k)

    ttfonts.TTFontFile.__init__ = counting  # type: ignore[method-assign]
    settings = api.load_settings(None, None)
    handouts = {
        language: api.make_handout({**FACTS, "language": language}, settings)._replace(english_copy=False)
        for language in args.languages
    }
    first: dict[str, float] = {}
    warm: dict[str, list[float]] = {language: [] for language in args.languages}
    for run in range(args.runs + 1):
        for language, handout in handouts.items():
            start = time.perf_counter()
            api.render_pdf(handout, settings, RenderOptions())
            took = time.perf_counter() - start
            (warm[language].append(took) if run else first.__setitem__(language, took))
    english = statistics.median(warm["en"]) if "en" in warm else None
    print(f"{'language':10} {'first ms':>9} {'warm ms':>8} {'x English':>10}")
    for language in args.languages:
        median = statistics.median(warm[language])
        ratio = f"{median / english:.2f}x" if english else "-"
        print(f"{language:10} {first[language] * 1000:9.1f} {median * 1000:8.1f} {ratio:>10}")
    print("font files read:", ", ".join(f"{name} x{count}" for name, count in sorted(reads.items())))


if __name__ == "__main__":
    main()
