"""Writing the audit trail. It flushes, never commits: a change and its record commit together."""
from decimal import Decimal

from app.audit.models import AuditEntry
from app.extensions import db

#: values that are never written to the trail, only that they changed
SECRET_FIELDS = frozenset({"password_hash", "token_hash"})


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) or "" for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in sorted(value.items()))
    return str(value)


def snapshot(obj, fields) -> dict:
    """The current values of `fields` of `obj`, to compare with after a change."""
    return {name: getattr(obj, name) for name in fields}


def record_changes(entity: str, entity_id: int, before: dict, after: dict, *, actor, reason: str | None = None) -> int:
    """One audit row for each field whose value differs between `before` and `after`; the number written."""
    written = 0
    for name, old in before.items():
        new = after.get(name)
        if _text(old) == _text(new):
            continue
        secret = name in SECRET_FIELDS
        db.session.add(AuditEntry(entity=entity, entity_id=entity_id, field=name,
                                  old_value=None if secret else _text(old), new_value=None if secret else _text(new),
                                  reason=reason, actor_id=actor.id if actor else None))
        written += 1
    if written:
        db.session.flush()
    return written


def record_action(entity: str, entity_id: int, action: str, *, actor, detail: str | None = None,
                  reason: str | None = None) -> None:
    """A whole-object event (created, terminated, password reset link issued…)."""
    db.session.add(AuditEntry(entity=entity, entity_id=entity_id, field=action, new_value=detail, reason=reason,
                              actor_id=actor.id if actor else None))
    db.session.flush()
