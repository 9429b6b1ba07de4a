"""Language choice: the user's own setting, else the session's switch, else the browser's."""
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_translations
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


def install_template_gettext(app) -> None:
    """Give templates a `_()` that finds the request's catalogue in a few attribute reads.

    Flask-Babel's own resolves the locale and the catalogue anew on every call, through several
    context lookups (13 µs); a ticket page says `_()` over a hundred times. The catalogue is
    Flask-Babel's, from its per-locale cache, for the locale it has chosen for this request — so
    `force_locale` (mail and documents in their reader's language) is followed — and when either
    is not there yet, Flask-Babel is asked as before."""
    def translations():
        babel_ctx = g.__dict__.get("_flask_babel") if g else None
        domain, locale = getattr(babel_ctx, "babel_domain", None), getattr(babel_ctx, "babel_locale", None)
        if domain is not None and locale is not None:
            found = domain.cache.get((str(locale), domain.domain[0]))
            if found is not None:
                return found
        return get_translations()

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)
