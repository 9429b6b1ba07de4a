"""Admins' view of the e-mail outbox (what went out, what waits, what failed, and a retry), and
every staff member's notices: the bell's list, opening one, and the switches per kind and channel."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app.auth.access import roles_required, staff_required
from app.core.db_setup import writes
from app.core.errors import domain_errors
from app.core.i18n import gettext as _
from app.core.web import load_or_404
from app.extensions import db
from app.notifications import operations
from app.notifications.delivery import retry_failed
from app.notifications.forms import CHANNEL_LABELS, NOTICE_LABELS
from app.notifications.models import MAIL_STATUSES, NOTICE_CHANNELS, NOTICE_KINDS, MailMessage, StaffNotice

bp = Blueprint("notifications", __name__, url_prefix="/admin/mail", template_folder="templates")
notices_bp = Blueprint("notices", __name__, url_prefix="/notices", template_folder="templates")

PER_PAGE = 50


@bp.get("/")
@roles_required("admin")
def outbox():
    status = request.args.get("status") if request.args.get("status") in MAIL_STATUSES else None
    page = max(request.args.get("page", 1, type=int), 1)
    query = select(MailMessage).order_by(MailMessage.id.desc())
    if status:
        query = query.where(MailMessage.status == status)
    messages = db.session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    counts = dict(db.session.execute(select(MailMessage.status, func.count()).group_by(MailMessage.status)).all())
    return render_template("notifications/outbox.html", messages=messages, counts=counts, status=status, page=page,
                           per_page=PER_PAGE)


@bp.get("/<int:message_id>")
@roles_required("admin")
def message(message_id: int):
    """One message as it was (or will be) sent: what a client says they never got can be read here."""
    return render_template("notifications/message.html", message=load_or_404(MailMessage, message_id))


@bp.post("/<int:message_id>/retry")
@roles_required("admin")
def retry(message_id: int):
    message = load_or_404(MailMessage, message_id)
    with domain_errors():
        retry_failed(message)
        flash(_("The message will be sent again."), "success")
    return redirect(url_for("notifications.outbox", status="failed"))


# --- staff notices -------------------------------------------------------------------------------

@notices_bp.get("/")
@staff_required
def index():
    unread_only = request.args.get("show") != "all"
    query = select(StaffNotice).where(StaffNotice.user_id == current_user.id)
    if unread_only:
        query = query.where(StaffNotice.read_at.is_(None))
    notices = db.session.scalars(query.order_by(StaffNotice.id.desc()).limit(PER_PAGE)).all()
    return render_template("notifications/notices.html", notices=notices, unread_only=unread_only,
                           NOTICE_LABELS=NOTICE_LABELS)


@notices_bp.get("/<int:notice_id>")
@staff_required
@writes
def open_notice(notice_id: int):
    """Follow a notice to its ticket; it is read now."""
    notice = load_or_404(StaffNotice, notice_id, user_id=current_user.id)
    operations.mark_notices_read(current_user, notice_id=notice.id)
    return redirect(url_for("tickets.detail", ticket_id=notice.ticket_id))


@notices_bp.post("/read")
@staff_required
def read_all():
    operations.mark_notices_read(current_user)
    return redirect(url_for("notices.index"))


@notices_bp.route("/settings", methods=["GET", "POST"])
@staff_required
def settings():
    if request.method == "POST":
        chosen = {tuple(value.split(":", 1)) for value in request.form.getlist("on") if ":" in value}
        operations.save_notice_settings(current_user, {(k, c) for k, c in chosen if k in NOTICE_KINDS
                                                       and c in NOTICE_CHANNELS})
        flash(_("Saved."), "success")
        return redirect(url_for("notices.settings"))
    enabled = {(kind, channel) for kind in NOTICE_KINDS for channel in NOTICE_CHANNELS
               if operations.notice_enabled(current_user, kind, channel)}
    return render_template("notifications/notice_settings.html", enabled=enabled, kinds=NOTICE_KINDS,
                           channels=NOTICE_CHANNELS, NOTICE_LABELS=NOTICE_LABELS, CHANNEL_LABELS=CHANNEL_LABELS)
