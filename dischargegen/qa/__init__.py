"""Template quality gates (``dischargegen templates check``): every template rendered through
the whole pipeline with sample data, in every variant, and measured as a reader meets it.

``samples`` holds the sample patients and the variants, ``gates`` the measures and limits,
``report`` the findings and their table. It sits above the pipeline and uses it through
:mod:`dischargegen.api`.
"""

MAX_GRADE = 6.0  # Flesch-Kincaid grade
MAX_PAGES = 2  # at normal size
MAX_PAGES_LARGE = 4  # in large print
MAX_SENTENCE_WORDS = 20
MAX_LIST_ITEMS = 7
REVIEW_MONTHS = 24
