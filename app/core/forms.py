"""The base of every form: Flask-WTF's, with WTForms' own messages ("This field is required.")
in the reader's language from a catalogue read once per language. Flask-WTF reads the catalogue
file again on every request that builds a form.

And a quicker `html_params` for WTForms' widgets (see `install_quick_html_params`)."""
from functools import cache

import wtforms.widgets
from babel import support
from flask import has_request_context
from flask_babel import get_locale
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms.i18n import messages_path
from wtforms.widgets import core as widgets


@cache
def wtforms_translations(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            # outside a request (a command building a form) WTForms' English stands
            return wtforms_translations(str(get_locale())) if has_request_context() else None


def quick_html_params(**kwargs) -> Markup:
    """WTForms' `html_params`, the same markup (a test compares them) at a fifth of the cost.

    WTForms writes each attribute with `Markup.format`, about 7 µs apiece; every label, input and
    option of a form goes through it, some 60 calls and 1 ms of a ticket page. Here the key and the
    value are escaped as there, and joined as plain text."""
    params = []
    for key, value in sorted(kwargs.items()):
        if value is False:
            continue
        key = escape(widgets.clean_key(key))
        if value is True:
            params.append(key)
        else:
            # a Markup value keeps its markup, and its quotes are written as entities
            params.append(f'{key}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))


#: WTForms' own, kept for the test that compares the two
wtforms_html_params = widgets.html_params


def install_quick_html_params() -> None:
    """Use `quick_html_params` wherever WTForms calls `html_params`: by the widgets module's name
    (selects, text areas), by the package's (labels), and the copy inputs and buttons hold."""
    widgets.html_params = wtforms.widgets.html_params = quick_html_params
    for widget in vars(widgets).values():
        if isinstance(widget, type) and "html_params" in vars(widget):
            widget.html_params = staticmethod(quick_html_params)
