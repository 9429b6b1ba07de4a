"""Keeping canned replies. They flush, never commit."""
from app.auth.models import User
from app.core.errors import Forbidden, ValidationFailed
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.extensions import db
from app.replies.models import CannedReply
from app.replies.text import unknown_placeholders

TITLE_MAX, BODY_MAX = 100, 5000


def may_edit(reply: CannedReply, user: User) -> bool:
    """Everyone keeps their own; the staff-wide ones are the managers'."""
    return reply.owner_id == user.id if reply.owner_id is not None else user.is_manager


def save_reply(reply: CannedReply | None, *, title: str, body: str, shared: bool, actor: User) -> CannedReply:
    """Create (reply None) or edit a template. `shared`: for the whole staff (managers only)."""
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise ValidationFailed(_("Enter a title of up to %(n)d characters.", n=TITLE_MAX), code="invalid_title",
                               field="title")
    if not body or len(body) > BODY_MAX:
        raise ValidationFailed(_("Enter a text of up to %(n)d characters.", n=BODY_MAX), code="invalid_body",
                               field="body")
    unknown = unknown_placeholders(body)
    if unknown:
        raise ValidationFailed(_("Unknown placeholder: %(p)s.", p=", ".join("{" + u + "}" for u in unknown)),
                               code="unknown_placeholder", field="body")
    if shared and not actor.is_manager:
        raise Forbidden(_("Only managers keep the replies the whole staff shares."))
    if reply is not None and not may_edit(reply, actor):
        raise Forbidden(_("This reply is not yours to change."))
    owner_id = None if shared else actor.id
    if reply is None:
        reply = CannedReply(title=title, body=body, owner_id=owner_id)
        db.session.add(reply)
    reply.title, reply.body, reply.owner_id, reply.updated_at = title, body, owner_id, utcnow()
    db.session.flush()
    return reply


def delete_reply(reply: CannedReply, *, actor: User) -> None:
    if not may_edit(reply, actor):
        raise Forbidden(_("This reply is not yours to change."))
    db.session.delete(reply)
    db.session.flush()
