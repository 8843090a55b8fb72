"""``python -m nervsync_cli``."""

from .cli import main

main()
