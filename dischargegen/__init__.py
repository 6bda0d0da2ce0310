"""dischargegen: personal, printable discharge handouts.

The library API lives in :mod:`dischargegen.api`; this module stays light so that the CLI
starts fast.
"""

__version__ = "0.1.0"
