"""Client contacts' part of Hourdesk. Only the company's own, public information."""
from flask import Blueprint, render_template
from flask_login import current_user

from app.core.web import roles_required
from app.extensions import db
from app.tickets.queries import ticket_list_query

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates")


@bp.get("/")
@roles_required("client")
def index():
    tickets = db.session.scalars(ticket_list_query(client_id=current_user.client_id).limit(50)).all()
    return render_template("portal/index.html", tickets=tickets, client=current_user.client)
