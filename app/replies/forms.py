from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.core.forms import Form
from app.core.i18n import lazy_gettext as _l


class ReplyForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=100)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=5000)],
                         description=_l("Placeholders: {client}, {contact}, {number}, {subject}, {balance}, {me} "
                                        "(or {клиент}, {контакт}, {номер}, {тема}, {остаток}, {я})"))
    shared = BooleanField(_l("For the whole staff (managers)"))
