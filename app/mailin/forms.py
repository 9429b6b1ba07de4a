from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class AssignForm(FlaskForm):
    client_inn = StringField(_l("Client's INN"), validators=[DataRequired(), Length(max=20)])
    add_contact = BooleanField(_l("Add the sender as a contact of this client"), default=True)


class DiscardForm(FlaskForm):
    reason = TextAreaField(_l("Why it is thrown away"), validators=[DataRequired(), Length(max=2000)])
