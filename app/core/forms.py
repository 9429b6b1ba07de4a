"""The base of every form: Flask-WTF's, with WTForms' own messages ("This field is required.")
in the reader's language from a catalogue read once per language. Flask-WTF reads the catalogue
file again on every request that builds a form."""
from functools import cache

from babel import support
from flask import has_request_context
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


@cache
def wtforms_translations(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            # outside a request (a command building a form) WTForms' English stands
            return wtforms_translations(str(get_locale())) if has_request_context() else None
