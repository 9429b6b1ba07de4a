"""Text helpers for searching."""


def fold(text: str) -> str:
    """Case-insensitive form for search columns: SQLite's lower() and LIKE only fold ASCII, so
    Cyrillic text is folded here, once, when it is written."""
    return " ".join((text or "").casefold().replace("ё", "е").split())


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
