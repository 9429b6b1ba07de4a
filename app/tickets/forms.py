from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.core.forms import Form
from app.core.i18n import lazy_gettext as _l
from app.tickets.lifecycle import CHANNELS, PRIORITIES

PRIORITY_LABELS = {"low": _l("low"), "normal": _l("normal"), "high": _l("high"), "critical": _l("critical")}
CHANNEL_LABELS = {"phone": _l("phone"), "email": _l("e-mail"), "portal": _l("portal"), "chat": _l("chat"),
                  "web": _l("web"), "api": _l("API")}
STATUS_LABELS = {"open": _l("open"), "in_progress": _l("in progress"), "waiting": _l("waiting for client"),
                 "resolved": _l("resolved"), "closed": _l("closed"), "cancelled": _l("cancelled")}
#: the button that moves a ticket to a status
STATUS_ACTIONS = {"in_progress": _l("Take into work"), "waiting": _l("Wait for client"), "resolved": _l("Resolve"),
                  "closed": _l("Close"), "cancelled": _l("Cancel ticket")}


class TicketForm(Form):
    client_id = IntegerField(_l("Client"), validators=[InputRequired(message=_l("Choose a client."))])
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=255)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    priority = SelectField(_l("Priority"), choices=[(p, PRIORITY_LABELS[p]) for p in PRIORITIES], default="normal")
    channel = SelectField(_l("Channel"), choices=[(c, CHANNEL_LABELS[c]) for c in CHANNELS], default="phone")
    requester_id = SelectField(_l("Requester"), coerce=int, choices=[(0, "—")], validate_choice=False)
    assignee_id = SelectField(_l("Assignee"), coerce=int, choices=[], validate_choice=True)
    resolution_due_at = DateTimeLocalField(_l("Due"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=600)],
                       description=_l("Topics, separated by commas: payment, printer, 1C update"))


class TicketEditForm(Form):
    priority = SelectField(_l("Priority"), choices=[(p, PRIORITY_LABELS[p]) for p in PRIORITIES])
    assignee_id = SelectField(_l("Assignee"), coerce=int, choices=[], validate_choice=True)
    resolution_due_at = DateTimeLocalField(_l("Due"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    due_reason = StringField(_l("Why the deadline moves"), validators=[Optional(), Length(max=2000)])
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=600)],
                       description=_l("Topics, separated by commas: payment, printer, 1C update"))


class StatusForm(Form):
    status = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])


class CommentForm(Form):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=20000)])
    visibility = HiddenField(default="public")
    attachments = MultipleFileField(_l("Files"))

#: how the history names each audited field
FIELD_LABELS = {"created": _l("registered"), "status": _l("status"), "priority": _l("priority"),
                "assignee": _l("assignee"), "subject": _l("subject"), "description": _l("description"),
                "resolution_due_at": _l("due"), "acknowledged_at": _l("acknowledged"),
                "first_response_at": _l("first response"), "resolved_at": _l("resolved"),
                "closed_at": _l("closed"), "cancelled_at": _l("cancelled"), "line_added": _l("work logged"),
                "line_removed": _l("work removed"), "line_minutes": _l("work minutes"),
                "line_billing": _l("billing overridden"), "debited": _l("debited"), "reversed": _l("debit reversed"),
                "attachments": _l("files attached"), "csat": _l("client's rating"),
                "auto_closed": _l("closed automatically")}
