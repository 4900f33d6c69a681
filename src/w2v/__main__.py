"""``python -m w2v``: the same command line as the ``w2v`` program."""

import sys

from w2v.cli import main

if __name__ == "__main__":
    sys.exit(main())
