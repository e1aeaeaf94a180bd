"""Shared test helpers: fixtures, the fake CDN, the pty terminal, the snapshot app, crash-test
children. pytest puts this folder on sys.path (pyproject `pythonpath`), so tests import them by
name (`from ui_fixtures import ...`)."""
