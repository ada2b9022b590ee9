"""`python -m glacier_cleanup`: the operator CLI (see glacier_cleanup.cli)."""

from glacier_cleanup.cli import main

raise SystemExit(main())
