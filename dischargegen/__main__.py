"""The ``dischargegen`` program: ``python -m dischargegen`` and the console script.

A command makes one handout and exits, so the cyclic garbage collector only costs time: it is
switched off before anything else is imported. ``dischargegen batch``, which runs for long,
switches it back on.
"""

import gc


def run() -> None:
    gc.disable()
    from .cli import main  # after gc.disable(), for start-up speed

    main()


if __name__ == "__main__":
    run()
