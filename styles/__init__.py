"""mjtui's stylesheets (one .tcss file per screen or widget family).

This top-level folder is installed as the package `mjtui.styles` (see pyproject.toml's
package-dir): the app finds the files through importlib.resources, from a checkout, an
editable install or a wheel alike.
"""
