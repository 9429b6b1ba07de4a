"""Russian and English: the user's setting wins, then the session switch, then the browser."""


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
