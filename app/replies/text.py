"""Filling a reply's placeholders (pure: plain values in, text out)."""
import re

#: placeholder → the value's key; Russian names too, as the office writes its templates
PLACEHOLDERS = {
    "client": "client", "клиент": "client",
    "contact": "contact", "контакт": "contact",
    "number": "number", "ticket": "number", "номер": "number", "заявка": "number",
    "subject": "subject", "тема": "subject",
    "balance": "balance", "остаток": "balance", "баланс": "balance",
    "me": "me", "я": "me", "инженер": "me",
}
_PLACEHOLDER = re.compile(r"\{\s*([\w]+)\s*\}", re.UNICODE)


def unknown_placeholders(body: str) -> list[str]:
    """The {names} in a template that nothing fills in (a typo the author should hear about)."""
    return sorted({m.group(1) for m in _PLACEHOLDER.finditer(body or "") if m.group(1).lower() not in PLACEHOLDERS})


def fill(body: str, values: dict[str, str]) -> str:
    """The template with each known placeholder replaced by its value ({client} → ООО «Ромашка»)."""
    def replace(match):
        key = PLACEHOLDERS.get(match.group(1).lower())
        return values.get(key, "") if key else match.group(0)
    return _PLACEHOLDER.sub(replace, body or "")
