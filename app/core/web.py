"""Web plumbing shared by every blueprint: loading by id, the login redirect, error pages,
template filters and security headers. (Who may open what: `app.auth.access`.)"""

import functools
import threading
from datetime import date

import markdown as md
import nh3
from babel.units import format_unit
from flask import Flask, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_currency, format_date, format_decimal, get_locale
from markupsafe import Markup

from app.core.errors import error_response
from app.core.i18n import format_datetime
from app.core.i18n import lazy_gettext as _l
from app.extensions import db, login_manager


def load_or_404(model, ident, **belongs_to):
    """The `model` row with primary key `ident`, or a 404. With `belongs_to` (`ticket_id=7`,
    `client_id=…`) a row that belongs elsewhere is a 404 too, so another parent's ids show nothing."""
    found = db.session.get(model, ident) if isinstance(ident, int) else None
    if found is None or any(getattr(found, name) != value for name, value in belongs_to.items()):
        abort(404)
    return found


_converters = threading.local()

#: texts up to this long are kept rendered (below), longer ones are converted each time
MARKDOWN_CACHED_CHARS = 2_000


def render_markdown(text: str | None) -> Markup:
    """Markdown → HTML with everything dangerous removed (nh3/ammonia allow-list)."""
    text = text or ""
    # Python-Markdown takes 50–100 µs for even a one-line comment, and a ticket page is opened
    # again and again: the last 1,024 short texts are kept rendered (15 MB at most; the result
    # depends on the text alone, so an edited comment is simply a new text)
    return Markup(_cached_markdown(text) if len(text) <= MARKDOWN_CACHED_CHARS else _markdown_to_safe_html(text))


def _markdown_to_safe_html(text: str) -> str:
    # one converter per thread, reset between texts: building one (its extensions) costs more
    # than converting a comment, and a ticket page converts several
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = md.Markdown(extensions=["nl2br", "fenced_code", "sane_lists"])
    return nh3.clean(converter.reset().convert(text), link_rel="noopener noreferrer nofollow")


_cached_markdown = functools.lru_cache(maxsize=1024)(_markdown_to_safe_html)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.blueprint == "api" or request.path.startswith("/api/"):
            return error_response(401, "unauthorized", "Authentication required.")
        if request.headers.get("HX-Request"):
            # htmx fragments: ask the browser to go to the login page instead of swapping it in
            return "", 401, {"HX-Redirect": url_for("auth.login", next=request.referrer or "/")}
        flash(login_manager.login_message, "info")
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _html_error(code))

    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["dt"] = lambda value, fmt="short": format_datetime(value, fmt) if value else "—"
    app.jinja_env.filters["hm"] = format_minutes
    app.jinja_env.filters["date_long"] = lambda value: format_date(value, "long") if value else "—"
    app.jinja_env.filters["number"] = lambda value: format_decimal(value or 0)   # 12 345 in Russian, 12,345 in English
    app.jinja_env.filters["fixed"] = lambda value, digits=1: format_decimal(value, "#,##0." + "0" * digits)
    app.jinja_env.filters["filesize"] = format_file_size
    app.jinja_env.filters["day"] = lambda value, fmt="medium": format_date(value, fmt) if value else "—"
    # "2026-10" → «окт. 2026 г.» / "Oct 2026": a chart's month under its bar
    app.jinja_env.filters["month_short"] = lambda label: format_date(date.fromisoformat(label + "-01"), "LLL yy")
    app.jinja_env.filters["month_name"] = lambda value: format_date(value, "LLLL y")
    # money in the reader's format with its currency (the office's, HOURDESK_CURRENCY, unless a
    # document names its own): «1 500,00 ₽», «RUB 1,500.00»; `amount`: the bare number (documents
    # that write the currency in words)
    app.jinja_env.filters["money"] = lambda value, currency=None: format_currency(
        value or 0, currency or app.config["HOURDESK_CURRENCY"])
    app.jinja_env.filters["amount"] = lambda value: format_decimal(value or 0, "#,##0.00")


def security_headers(config) -> list[tuple[str, str]]:
    """The headers every response carries (pages, files, the API and Socket.IO alike); a response
    that sets one itself (a file's sandboxing CSP) keeps its own."""
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        # 'self' covers the app's own WebSocket address (CSP level 3): no other host may be reached
        ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
                                    "base-uri 'self'; form-action 'self'"),
    ]
    if config.get("SESSION_COOKIE_SECURE"):   # served over HTTPS: browsers must never fall back to HTTP
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return headers


class SecurityHeaders:
    """WSGI middleware, outermost: Socket.IO answers before Flask sees the request, so the headers
    are added here rather than in an `after_request`."""

    def __init__(self, wsgi_app, headers: list[tuple[str, str]]):
        self.wsgi_app, self.headers = wsgi_app, headers

    def __call__(self, environ, start_response):
        def start(status, response_headers, exc_info=None):
            present = {name.lower() for name, _value in response_headers}
            extra = [(name, value) for name, value in self.headers if name.lower() not in present]
            return start_response(status, [*response_headers, *extra], exc_info)
        return self.wsgi_app(environ, start)


def format_file_size(size: int) -> str:
    """«12 кБ», «1,5 MB»: in the reader's language and number format."""
    if size >= 1024 * 1024:
        return format_unit(round(size / (1024 * 1024), 1), "digital-megabyte", "short", locale=get_locale())
    return format_unit(max(1, round(size / 1024)), "digital-kilobyte", "short", locale=get_locale())


def format_minutes(minutes: int | None) -> str:
    """Integer minutes as h:mm (negative balances keep their sign)."""
    if minutes is None:
        return "—"
    sign = "−" if minutes < 0 else ""
    hours, mins = divmod(abs(int(minutes)), 60)
    return f"{sign}{hours}:{mins:02d}"


def _html_error(code: int):
    def handler(error):
        if request.path.startswith("/api/"):
            names = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                     413: "payload_too_large", 429: "too_many_requests", 500: "internal_error"}
            response = error_response(code, names[code], getattr(error, "description", "") or names[code])
        else:
            response = make_response(render_template("error.html", code=code, error=error), code)
        if code == 405 and getattr(error, "valid_methods", None):
            # what the address does take (HTTP requires it with a 405)
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return response
    return handler
