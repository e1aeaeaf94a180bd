"""The command line: argument parsing (`arguments`), the headless commands (`run` and the
modules it dispatches to, by theme: `query` for status and watch, `submit` for jobs that
bill), the dashboard's launch (`launch`) and `mjtui info` (`info`). `main` is the console
script's entry point.
"""

from mjtui.cli.main import main

__all__ = ["main"]
