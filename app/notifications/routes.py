"""Admins' view of the e-mail outbox: what went out, what waits, what failed, and a retry."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth.access import roles_required
from app.core.errors import domain_errors
from app.core.web import load_or_404
from app.extensions import db
from app.notifications.delivery import retry_failed
from app.notifications.models import MAIL_STATUSES, MailMessage

bp = Blueprint("notifications", __name__, url_prefix="/admin/mail", template_folder="templates")

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


@bp.post("/<int:message_id>/retry")
@roles_required("admin")
def retry(message_id: int):
    message = load_or_404(MailMessage, message_id)
    with domain_errors():
        retry_failed(message)
        flash(_("The message will be sent again."), "success")
    return redirect(url_for("notifications.outbox", status="failed"))
