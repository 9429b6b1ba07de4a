from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import Form
from app.core.i18n import lazy_gettext as _l


class AssignForm(Form):
    client_inn = StringField(_l("Client's INN"), validators=[DataRequired(), Length(max=20)])
    add_contact = BooleanField(_l("Add the sender as a contact of this client"), default=True)


class DiscardForm(Form):
    reason = TextAreaField(_l("Why it is thrown away"), validators=[DataRequired(), Length(max=2000)])
