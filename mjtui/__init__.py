"""mjtui: a keyboard-driven terminal dashboard for Midjourney jobs on the apimart API."""

__version__ = "0.1.0"
