"""``python -m calculator`` runs the command line."""

from calculator.cli import main

raise SystemExit(main())
