"""The ``dischargegen`` program: ``python -m dischargegen`` and the console script.

A command makes one handout and exits, so the cyclic garbage collector only costs time: it is
switched off before anything else is imported. ``dischargegen batch``, which runs for long,
switches it back on. At exit, Python collects every object the program made once more, whether
or not the collector is on: about 30 ms of a cold ``make`` here. What is left then is frozen out
of that collection; the memory goes back to the system anyway.

A closed standard output (``dischargegen procedures | head -1``) ends the program quietly with
exit status 141. SIGPIPE stays ignored, as Python sets it, and the command line turns the
BrokenPipeError into that exit instead: with SIGPIPE's default action the program would also
die, silently, whenever ``lp`` exits without reading the whole PDF (CUPS down, a bad printer
name), where it now reports why the handout could not be printed.
"""

import gc
import os
import sys


def run() -> None:
    gc.disable()
    from .cli import main  # after gc.disable(), for start-up speed

    try:
        main()
    except SystemExit:
        gc.freeze()  # nothing left needs collecting: the process ends
        try:
            sys.stdout.flush()  # what is still buffered, while a closed pipe can still be handled
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise SystemExit(141) from None
        raise


if __name__ == "__main__":
    run()
