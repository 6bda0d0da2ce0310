"""Template quality gates (``dischargegen templates check``): every template rendered through
the whole pipeline with sample data, in every variant, and measured as a reader meets it.

``samples`` holds the sample patients and the variants, ``gates`` the measures and limits,
``report`` the findings and their table. It sits above the pipeline and uses it through
:mod:`dischargegen.api`.
"""

from ..layout.pages import FIT_PAGES, FIT_PAGES_LARGE, FIT_PAGES_LARGE_TRANSLATED

MAX_GRADE = 6.0  # Flesch-Kincaid grade
MAX_PAGES = FIT_PAGES  # at normal size (the layout keeps to it, compact if it must)
MAX_PAGES_LARGE = FIT_PAGES_LARGE  # in large print
MAX_PAGES_LARGE_TRANSLATED = FIT_PAGES_LARGE_TRANSLATED  # a translation in large print
MAX_SENTENCE_WORDS = 20
MAX_LIST_ITEMS = 7
REVIEW_MONTHS = 24
