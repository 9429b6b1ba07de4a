"""Language choice: the user's own setting, else the session's switch, else the browser's."""
from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    locales = current_app.config["HOURDESK_LOCALES"]
    if not has_request_context():  # CLI commands and jobs
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in locales:
        return current_user.locale
    if session.get("lang") in locales:
        return session["lang"]
    return request.accept_languages.best_match(locales) or current_app.config["BABEL_DEFAULT_LOCALE"]
