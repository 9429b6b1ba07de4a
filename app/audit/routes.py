"""The audit trail for managers and admins: every change to users, clients, contracts, services,
SLA calendars and policies, and API tokens."""
from flask import Blueprint, render_template, request

from app.audit import queries
from app.audit.forms import ENTITY_LABELS, FIELD_LABELS, display_value
from app.auth.access import manager_required

bp = Blueprint("audit", __name__, url_prefix="/admin/audit", template_folder="templates")


@bp.get("/")
@manager_required
def index():
    entity = request.args.get("entity") if request.args.get("entity") in queries.ENTITIES else None
    before = request.args.get("before", type=int)
    entries = queries.recent(entity, before_id=before if before and before > 0 else None)
    return render_template("audit/index.html", entries=entries, entity=entity, ENTITIES=queries.ENTITIES,
                           ENTITY_LABELS=ENTITY_LABELS)


@bp.app_context_processor
def _labels():
    return {"AUDIT_ENTITY_LABELS": ENTITY_LABELS, "AUDIT_FIELD_LABELS": FIELD_LABELS}


@bp.app_template_filter("audit_value")
def _audit_value(entry, which: str) -> str:
    return display_value(entry.field, entry.old_value if which == "old" else entry.new_value)
