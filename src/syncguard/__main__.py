"""Entry point for ``python -m syncguard``."""

from __future__ import annotations

from syncguard.cli import main_exit

if __name__ == "__main__":
    main_exit()
