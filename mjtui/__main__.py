"""Allow `python -m mjtui`."""

from mjtui.cli import main

raise SystemExit(main())
