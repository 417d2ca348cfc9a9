"""Allow `python -m ringrift ...`."""

import sys

from ringrift.cli import main

if __name__ == "__main__":
    sys.exit(main())
