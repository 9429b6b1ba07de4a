"""Staff pages for canned replies: one's own and the staff-wide ones (managers keep those)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.access import staff_required
from app.core.errors import domain_errors
from app.core.i18n import gettext as _
from app.core.web import load_or_404
from app.replies import operations, queries
from app.replies.forms import ReplyForm
from app.replies.models import CannedReply

bp = Blueprint("replies", __name__, url_prefix="/replies", template_folder="templates")


def _visible(reply_id: int) -> CannedReply:
    reply = load_or_404(CannedReply, reply_id)
    if reply.owner_id not in (None, current_user.id):
        abort(404)   # someone else's own template: as if it did not exist
    return reply


@bp.route("/", methods=["GET", "POST"])
@staff_required
def index():
    form = ReplyForm()
    if form.validate_on_submit():
        with domain_errors(form, default="body", fields={"shared": "shared"}):
            operations.save_reply(None, title=form.title.data, body=form.body.data, shared=form.shared.data,
                                  actor=current_user)
            flash(_("Reply saved."), "success")
            return redirect(url_for("replies.index"))
    elif request.method == "GET":
        form = ReplyForm(formdata=None)
    return (render_template("replies/index.html", form=form, replies=queries.replies_for(current_user),
                            may_edit=operations.may_edit), 422 if form.errors else 200)


@bp.route("/<int:reply_id>", methods=["GET", "POST"])
@staff_required
def edit(reply_id: int):
    reply = _visible(reply_id)
    if request.method == "POST" and not operations.may_edit(reply, current_user):
        abort(403)   # a staff-wide reply: the managers'
    form = ReplyForm(obj=reply)
    if request.method == "GET":
        form.shared.data = reply.owner_id is None
    if form.validate_on_submit():
        with domain_errors(form, default="body", fields={"shared": "shared"}):
            operations.save_reply(reply, title=form.title.data, body=form.body.data, shared=form.shared.data,
                                  actor=current_user)
            flash(_("Reply saved."), "success")
            return redirect(url_for("replies.index"))
    return (render_template("replies/edit.html", form=form, reply=reply,
                            editable=operations.may_edit(reply, current_user)), 422 if form.errors else 200)


@bp.post("/<int:reply_id>/delete")
@staff_required
def delete(reply_id: int):
    reply = _visible(reply_id)
    if not operations.may_edit(reply, current_user):
        abort(403)
    with domain_errors():
        operations.delete_reply(reply, actor=current_user)
        flash(_("Reply deleted."), "success")
    return redirect(url_for("replies.index"))
