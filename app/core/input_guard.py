"""Input no view should ever see, refused before any view runs (400, nothing read or written):
text with NUL characters or lone surrogates (PostgreSQL stores neither; UTF-8 cannot encode the
second), JSON nested absurdly deep, integers beyond 64 bits in JSON; and numbers past what the
database holds anywhere else (a huge page number, a year-1 date) answer 400 instead of 500."""
import json

from flask import Flask, render_template, request
from sqlalchemy.exc import DataError, StatementError
from werkzeug.routing import IntegerConverter

from app.core.errors import error_response
from app.core.i18n import gettext as _

#: 64-bit signed: what an id, a page number or a count may be in any of our databases
MAX_INT = 2**63 - 1
MAX_JSON_DEPTH = 32


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in routes, at most 64-bit: a longer number is no id of ours (404, not a crash)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INT, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class BadInput(ValueError):
    pass


def _check_text(value: str | None, where: str) -> None:
    if value is None:   # a multipart part whose name does not decode: werkzeug names it None
        return
    if "\x00" in value:
        raise BadInput(f"{where}: the NUL character is not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"{where}: the text is not valid Unicode (a lone surrogate)") from None


def _check_json(value, where: str, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise BadInput(f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        return
    elif isinstance(value, int):
        if abs(value) > MAX_INT:
            raise BadInput(f"{where}: the number is out of range")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(str(key), where)
            _check_json(item, f"{where}.{key}" if where else str(key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{where}[{index}]", depth + 1)


def check_request() -> None:
    for name, value in request.args.items(multi=True):
        _check_text(name, "query")
        _check_text(value, name)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            _check_text(name, "form")
            _check_text(value, name)
    if request.is_json and request.content_length:
        raw = request.get_data(cache=True)
        try:
            # parse_int: a 10,000-digit number must not cost seconds before it is refused
            body = json.loads(raw, parse_int=lambda text: int(text) if len(text) <= 25 else MAX_INT * 2)
        except RecursionError:
            raise BadInput(f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels") from None
        except ValueError:
            return   # malformed JSON: the API's own parser answers that
        _check_json(body, "")


def _refuse(message: str, status: int = 400):
    if request.path.startswith("/api/"):
        return error_response(status, "invalid_input", message)
    return render_template("error.html", code=status, detail=message), status


def init_app(app: Flask) -> None:
    @app.before_request
    def _guard():
        try:
            check_request()
        except BadInput as exc:
            return _refuse(_("The request has text or numbers that cannot be stored: %(why)s.", why=str(exc)))
        return None

    @app.errorhandler(OverflowError)
    def _overflow(_error):
        # a number or date past what the database or the calendar holds (a page 10**30, year 1)
        return _refuse(_("A number or a date is out of range."))

    @app.errorhandler(StatementError)
    def _statement_error(error):
        # SQLAlchemy wraps what the driver raised binding a value; only an overflow is the input's fault
        if isinstance(getattr(error, "orig", None), OverflowError):
            return _refuse(_("A number or a date is out of range."))
        raise error

    @app.errorhandler(DataError)
    def _data_error(_error):
        return _refuse(_("A value is out of range for the database."))
