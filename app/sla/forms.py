from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

PRIORITIES = ("critical", "high", "normal", "low")
DEFAULT_HOURS = "mon: 09:00-13:00, 14:00-18:00\ntue: 09:00-13:00, 14:00-18:00\nwed: 09:00-13:00, 14:00-18:00\n" \
                "thu: 09:00-13:00, 14:00-18:00\nfri: 09:00-13:00, 14:00-18:00"


class CalendarForm(FlaskForm):
    # ids of their own: both forms are on one page
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)], id="calendar-name")
    timezone = StringField(_l("Time zone"), default="Europe/Moscow", validators=[DataRequired(), Length(max=64)])
    country = SelectField(_l("Public holidays of"), choices=[("", "—"), ("RU", "RU"), ("UA", "UA")], validators=[Optional()])
    intervals = TextAreaField(_l("Working hours"), default=DEFAULT_HOURS,
                              description=_l("One weekday a line: “mon: 09:00-13:00, 14:00-18:00”"))
    extra_holidays = StringField(_l("Extra days off"), validators=[Optional(), Length(max=2000)],
                                 description=_l("Dates separated by commas: 2026-12-31, 2027-01-09"))
    always_open = BooleanField(_l("Round the clock (24/7)"))


def parse_intervals(text: str) -> dict:
    """The form's 'mon: 09:00-13:00, 14:00-18:00' lines as the API's {"mon": [["09:00", "13:00"], …]}."""
    result = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        day, _, spans = line.partition(":")
        result[day.strip().lower()] = [[part.strip() for part in span.split("-", 1)] for span in spans.split(",")
                                       if span.strip()]
    return result


class PolicyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)], id="policy-name")
    calendar_id = SelectField(_l("Calendar"), coerce=int, choices=[])


for _priority, _response, _resolution in (("critical", 30, 240), ("high", 60, 480), ("normal", 120, 960),
                                          ("low", 480, 2400)):
    setattr(PolicyForm, f"{_priority}_response", IntegerField(
        _l("%(p)s: response, min", p=_priority), default=_response,
        validators=[InputRequired(), NumberRange(min=1, max=525600)]))
    setattr(PolicyForm, f"{_priority}_resolution", IntegerField(
        _l("%(p)s: resolution, min", p=_priority), default=_resolution,
        validators=[InputRequired(), NumberRange(min=1, max=525600)]))
