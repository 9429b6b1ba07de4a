"""Language choice (the user's own setting, else the session's switch, else the browser's) and
quick translation lookups.

Flask-Babel's `gettext` resolves the locale and the catalogue anew on every call, through several
context lookups (about 9 µs); a ticket page translates some 250 labels, lazy form labels included.
The functions here find the same catalogue — Flask-Babel's, from its per-locale cache, for the
locale Flask-Babel has chosen for this request, so `force_locale` (mail and documents in their
reader's language) is followed — in a few attribute reads, and ask Flask-Babel when it has not
chosen yet. Import `gettext as _` and `lazy_gettext as _l` from here."""
from datetime import datetime, timezone
from functools import cache

from babel import Locale, dates
from flask import current_app, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import get_locale, get_timezone, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup


def select_locale() -> str:
    locales = current_app.config["HOURDESK_LOCALES"]
    if not has_request_context():  # CLI commands and jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in locales:
        return current_user.locale
    if session.get("lang") in locales:
        return session["lang"]
    return request.accept_languages.best_match(locales) or current_app.config["BABEL_DEFAULT_LOCALE"]


def translations():
    """The catalogue Flask-Babel would use now.

    Read through Flask's context variable rather than the `g` proxy (two proxy lookups were half
    the cost), and kept on Flask-Babel's context beside the locale it is for: `force_locale`
    swaps that locale, so a catalogue kept for another is not used."""
    app_context = _cv_app.get(None)
    babel_ctx = app_context.g.__dict__.get("_flask_babel") if app_context is not None else None
    locale = getattr(babel_ctx, "babel_locale", None)
    if locale is None:
        return get_translations()
    kept = babel_ctx.__dict__.get("_hourdesk_catalogue")
    if kept is not None and kept[0] is locale:
        return kept[1]
    domain = getattr(babel_ctx, "babel_domain", None)
    found = domain.cache.get((str(locale), domain.domain[0])) if domain is not None else None
    if found is None:
        return get_translations()
    babel_ctx._hourdesk_catalogue = (locale, found)
    return found


def gettext(string: str, **variables) -> str:
    """Flask-Babel's `gettext`, quicker: `gettext("Hello %(name)s!", name="World")`."""
    translated = translations().ugettext(string)
    return translated % variables if variables else translated


def lazy_gettext(string: str, **variables) -> LazyString:
    """Translated when used (labels defined at import time)."""
    return LazyString(gettext, string, **variables)


@pass_context
def _template_gettext(context, string: str, **variables):
    """The templates' `_()`: what Jinja's new-style `gettext` does (Markup under autoescaping, so
    the variables are escaped; `%` formatting), without its two wrappers around the call (8 → 4 µs,
    a hundred calls a page). A text without `%` is the same after formatting, so it skips it."""
    translated = translations().ugettext(string)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables if variables or "%" in translated else translated


def install_template_gettext(app) -> None:
    """Give templates the same quick `_()` (Flask-Babel installs its own)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals["_"] = _template_gettext


NAMED_FORMATS = ("short", "medium", "long", "full")


@cache
def _datetime_pattern(locale: str, fmt: str) -> dates.DateTimePattern:
    """A named format ("short") as one pattern: the locale's date-time pattern ("{1}, {0}") with its
    date and time patterns put in; its own quoted words stay quoted. Any other `fmt` is a pattern."""
    if fmt not in NAMED_FORMATS:
        return dates.parse_pattern(fmt)
    found = Locale.parse(locale)
    return dates.parse_pattern(found.datetime_formats[fmt].replace("{0}", found.time_formats[fmt].pattern)
                               .replace("{1}", found.date_formats[fmt].pattern))


def format_datetime(value: datetime, fmt: str = "short") -> str:
    """Flask-Babel's `format_datetime` (the reader's language, the office's time zone; a naive value
    is UTC), the same text (a test compares them) at half the cost: Babel formats a named format's
    date and its time apart and pastes them together, each time; here the pattern is built once."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    locale = get_locale()
    return _datetime_pattern(str(locale), fmt).apply(value.astimezone(get_timezone()), locale)
