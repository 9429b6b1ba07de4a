"""Russian and English: the user's setting wins, then the session switch, then the browser."""

import pytest


def test_russian_user_sees_russian(client, make, login):
    login(make.user("engineer", locale="ru"))
    page = client.get("/tickets/new").get_data(as_text=True)
    assert "Новая заявка" in page and "Зарегистрировать заявку" in page and 'lang="ru"' in page


def test_switch_changes_language_and_is_remembered(client, make, login, db):
    user = login(make.user("engineer", locale="ru"))
    client.get("/lang/en")
    assert "Register ticket" in client.get("/tickets/new").get_data(as_text=True)
    db.session.refresh(user)
    assert user.locale == "en"
    assert client.get("/lang/xx").status_code == 404   # an unknown language changes nothing
    db.session.refresh(user)
    assert user.locale == "en"


def test_anonymous_follows_the_browser_then_the_switch(client):
    assert "Вход в Hourdesk" in client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(as_text=True)
    assert "Log in to Hourdesk" in client.get("/login", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    client.get("/lang/ru")
    assert "Вход в Hourdesk" in client.get("/login", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)


def test_errors_are_translated(client, make, login):
    manager = make.user("manager")
    login(make.user("engineer", locale="ru"))
    page = client.post("/clients/new", data={"name": "X", "inn": "7707083894", "timezone": "Europe/Moscow",
                                             "account_manager_id": manager.id}).get_data(as_text=True)
    assert "Неверный ИНН" in page


def test_form_library_messages_follow_the_reader(client, make, login):
    """WTForms' own messages ("Not a valid integer value.") come from a catalogue held per
    language: a Russian and an English reader in one process each get their own."""
    ticket = make.ticket()
    for locale, expected, other in (("ru", "Неверное целое число", "Not a valid integer value"),
                                    ("en", "Not a valid integer value", "Неверное целое число"),
                                    ("ru", "Неверное целое число", "Not a valid integer value")):
        login(make.user("engineer", locale=locale))
        page = client.post(f"/tickets/{ticket.id}/lines", data={"minutes": "много"}).get_data(as_text=True)
        assert expected in page and other not in page


def test_templates_follow_the_request_language_and_force_locale(app):
    """Templates find their catalogue quickly (app.core.i18n), yet still follow the language
    chosen for the request and `force_locale` (mail in its reader's language) inside it."""
    from flask import render_template_string
    from flask_babel import force_locale

    def save():
        return render_template_string("{{ _('Save') }}|{{ ngettext('%(num)s day', '%(num)s days', 5) }}")

    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        assert save().startswith("Сохранить|")
        with force_locale("en"):
            assert save() == "Save|5 days"
        assert save().startswith("Сохранить|")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert save() == "Save|5 days"
        with force_locale("ru"):
            assert save().startswith("Сохранить|")


@pytest.mark.parametrize("autoescape", [True, False])
def test_the_templates_quick_gettext_writes_what_jinjas_own_writes(app, autoescape):
    """`_()` in templates skips Jinja's wrappers; its output must stay theirs: variables escaped
    under autoescaping and not otherwise, `%%` written as `%`, a translation applied."""
    from jinja2 import Environment

    from app.core.i18n import translations

    templates = ["{{ _('Save') }}", "{{ _('No client matches “%(q)s”.', q='<b>&\"') }}", "{{ _('100%% <done>') }}",
                 "{{ _('%(n)d rows', n=3) }}", "{% set x = _('Edit %(n)s', n=\"O'Neil & <Co>\") %}{{ x }}"]
    jinja = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        jinja.install_gettext_callables(gettext=lambda s: translations().ugettext(s),
                                        ngettext=lambda s, p, n: translations().ungettext(s, p, n), newstyle=True)
        ours = app.jinja_env.overlay(autoescape=autoescape)
        for source in templates:
            assert ours.from_string(source).render() == jinja.from_string(source).render(), source
        assert app.jinja_env.from_string(templates[0]).render() == "Сохранить"


def test_dates_and_times_read_as_flask_babel_writes_them(app):
    """The pages' `dt` filter builds each named format's pattern once (`core.i18n.format_datetime`);
    its text must be Flask-Babel's, in both languages, for every format, naive values taken as UTC."""
    from datetime import datetime, timedelta, timezone

    import flask_babel

    from app.core.i18n import format_datetime

    moments = (datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc), datetime(2026, 10, 25, 23, 59),
               datetime(2026, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=-5))), datetime(2026, 7, 4, 9, 5, 7))
    for language in ("ru", "en"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            for moment in moments:
                for fmt in ("short", "medium", "long", "full", "d MMMM y, HH:mm"):
                    assert format_datetime(moment, fmt) == flask_babel.format_datetime(moment, fmt), (language, fmt)
            assert app.jinja_env.from_string("{{ m|dt }}").render(m=moments[0]) == flask_babel.format_datetime(moments[0], "short")


def test_every_message_has_a_russian_translation():
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parent.parent / "app/translations/ru/LC_MESSAGES/messages.po"
    catalog = read_po(po.open("rb"))
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == []


def test_every_translatable_text_in_the_code_is_in_the_catalogue():
    """The .po file is the one source of translations: a text added to the code without `make
    messages` (and a translation) fails here, not in front of a Russian-speaking user."""
    from pathlib import Path

    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent
    method_map = [("app/**.py", "python"), ("app/**/templates/**.html", "jinja2"), ("app/**/templates/**.txt", "jinja2")]
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    in_code = {message[2] if isinstance(message[2], str) else message[2][0]
               for message in extract_from_dir(str(root), method_map, keywords=keywords)}
    catalog = read_po((root / "app/translations/ru/LC_MESSAGES/messages.po").open("rb"))
    missing = sorted(text for text in in_code if text not in catalog or not catalog[text].string)
    assert missing == [], "run `make messages` and translate these"
