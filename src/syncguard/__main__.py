"""Entry point for ``python -m syncguard``."""

from __future__ import annotations

import sys

from syncguard.cli import main

if __name__ == "__main__":
    sys.exit(main())
