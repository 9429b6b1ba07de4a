from wtforms import DateTimeLocalField, MultipleFileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.core.forms import Form
from app.core.i18n import lazy_gettext as _l
from app.tickets.forms import PRIORITY_LABELS
from app.tickets.lifecycle import PRIORITIES


class PortalTicketForm(Form):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=255)])
    description = TextAreaField(_l("What happened?"), validators=[Optional(), Length(max=20000)])
    priority = SelectField(_l("Priority"), choices=[(p, PRIORITY_LABELS[p]) for p in PRIORITIES], default="normal")
    desired_due_at = DateTimeLocalField(_l("Needed by (optional)"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    attachments = MultipleFileField(_l("Files"))


class PortalCommentForm(Form):
    body = TextAreaField(_l("Your message"), validators=[DataRequired(), Length(max=20000)])
    attachments = MultipleFileField(_l("Files"))


class ConfirmForm(Form):
    """Confirming a resolved ticket: only the CSRF token."""


class ReopenForm(Form):
    reason = TextAreaField(_l("What is still wrong?"), validators=[DataRequired(), Length(max=2000)])


class RatingForm(Form):
    rating = RadioField(_l("Your rating"), choices=[(str(n), str(n)) for n in range(1, 6)],
                        validators=[InputRequired(message=_l("Choose a rating from 1 to 5."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])
