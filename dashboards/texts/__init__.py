"""The texts of each page, one module per page, each a `TEXTS = {"en": {...}, "fr": {...}, "nl": {...}}`.

dashboards/i18n.py merges them into its own table at import; a key defined twice is an error.
"""
