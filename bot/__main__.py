"""Run the command-line interface: ``python -m bot``."""

from bot.cli import main

raise SystemExit(main())
