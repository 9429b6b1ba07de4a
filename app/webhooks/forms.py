from wtforms import BooleanField, SelectMultipleField, StringField, widgets
from wtforms.validators import Length

from app.core.forms import Form
from app.core.i18n import lazy_gettext as _l
from app.webhooks.operations import WEBHOOK_EVENTS


class EndpointForm(Form):
    # the operation checks the address and that an event is chosen (one set of rules for every caller)
    url = StringField(_l("Receiver address"), validators=[Length(max=500)],
                      description=_l("Where the desk posts events, e.g. https://1c.example.ru/hourdesk/webhook"))
    description = StringField(_l("Description"), validators=[Length(max=200)])
    events = SelectMultipleField(_l("Events"), choices=list(WEBHOOK_EVENTS.items()),
                                 widget=widgets.ListWidget(prefix_label=False),
                                 option_widget=widgets.CheckboxInput())
    active = BooleanField(_l("Active"), default=True)
