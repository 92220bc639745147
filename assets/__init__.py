"""Package data: catalog, translations, fonts, styles, icons (read via importlib.resources)."""
