from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.forms import Form
from app.core.i18n import lazy_gettext as _l

PRIORITIES = ("critical", "high", "normal", "low")
PRIORITY_LABELS = {"low": _l("low"), "normal": _l("normal"), "high": _l("high"), "critical": _l("critical")}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: short weekday names as the reader writes them (Russian: пн, вт, …)
WEEKDAY_LABELS = {"mon": _l("mon"), "tue": _l("tue"), "wed": _l("wed"), "thu": _l("thu"), "fri": _l("fri"),
                  "sat": _l("sat"), "sun": _l("sun")}
#: every way a weekday is written in the form, English or Russian, short or full
_WEEKDAY_NAMES = {name: key for key, names in {
    "mon": ("mon", "monday", "пн", "пнд", "понедельник"), "tue": ("tue", "tuesday", "вт", "втр", "вторник"),
    "wed": ("wed", "wednesday", "ср", "срд", "среда"), "thu": ("thu", "thursday", "чт", "чтв", "четверг"),
    "fri": ("fri", "friday", "пт", "птн", "пятница"), "sat": ("sat", "saturday", "сб", "суб", "суббота"),
    "sun": ("sun", "sunday", "вс", "вск", "воскресенье")}.items() for name in names}


def default_hours() -> str:
    """Monday to Friday 9–13 and 14–18, with the weekdays in the reader's language."""
    return "\n".join(f"{WEEKDAY_LABELS[day]}: 09:00-13:00, 14:00-18:00" for day in WEEKDAYS[:5])


class CalendarForm(Form):
    # ids of their own: both forms are on one page
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)], id="calendar-name")
    timezone = StringField(_l("Time zone"), default="Europe/Moscow", validators=[DataRequired(), Length(max=64)])
    country = SelectField(_l("Public holidays of"), choices=[("", "—"), ("RU", "RU"), ("UA", "UA")], validators=[Optional()])
    intervals = TextAreaField(_l("Working hours"), default=default_hours,
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
        day = day.strip().lower()
        result[_WEEKDAY_NAMES.get(day, day)] = [[part.strip() for part in span.split("-", 1)] for span in spans.split(",")
                                       if span.strip()]
    return result


def format_intervals(intervals: dict) -> str:
    """A stored calendar's hours as the form writes them, weekdays in the reader's language."""
    return "\n".join(f"{WEEKDAY_LABELS.get(day, day)}: " + ", ".join(f"{a}-{b}" for a, b in spans)
                     for day, spans in sorted(intervals.items(), key=lambda item: WEEKDAYS.index(item[0])
                                              if item[0] in WEEKDAYS else 99))


class PolicyForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)], id="policy-name")
    calendar_id = SelectField(_l("Calendar"), coerce=int, choices=[])


for _priority, _response, _resolution in (("critical", 30, 240), ("high", 60, 480), ("normal", 120, 960),
                                          ("low", 480, 2400)):
    setattr(PolicyForm, f"{_priority}_response", IntegerField(
        _l("%(p)s: response, min", p=PRIORITY_LABELS[_priority]), default=_response,
        validators=[InputRequired(), NumberRange(min=1, max=525600)]))
    setattr(PolicyForm, f"{_priority}_resolution", IntegerField(
        _l("%(p)s: resolution, min", p=PRIORITY_LABELS[_priority]), default=_resolution,
        validators=[InputRequired(), NumberRange(min=1, max=525600)]))
