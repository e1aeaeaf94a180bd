"""The apimart API layer: models, errors and the HTTP client (no Textual here)."""
