"""`python -m platform_assets.jobs validate`: see cli.py."""

from platform_assets.jobs.cli import main

raise SystemExit(main())
