"""Domain errors raised by operations, and the one place that turns them into a form error, a
flash message or the API's error format."""
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash, jsonify

from app.core.uow import abandon


class DomainError(Exception):
    status = 422
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        #: extra members for the API error object (e.g. `earliest`, `allowed`)
        self.extra = extra


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


# --- the one place where domain errors become answers ------------------------------------------

def error_response(status: int, code: str, message: str, field: str | None = None, **extra):
    """The API's error format: `{"error": {"code", "message", "field", …}}` with `status`."""
    body = {"error": {"code": code, "message": message, "field": field,
                      **{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in extra.items()}}}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="hourdesk"'
    return response


def api_error(exc: DomainError):
    """A domain error raised through an API view (the request is rolled back: the view raised)."""
    return error_response(exc.status, exc.code, exc.message, exc.field, **exc.extra)


@dataclass
class Outcome:
    """What `domain_errors` caught: `error` is None when the block went through."""
    error: DomainError | None = None

    @property
    def status(self) -> int:
        return self.error.status if self.error else 200


@contextmanager
def domain_errors(form=None, *, default: str | None = None, fields: dict[str, str] | None = None):
    """Turn a domain error raised in the block into a form error (on the field the error names,
    through `fields` when the form calls it otherwise, else on `default`) or, without a form or a
    field, a flash message; the request's work is rolled back and will not be committed.

        with domain_errors(form, default="subject") as outcome:
            ticket = operations.create_ticket(...)
            return redirect(...)
        return render_template(...), 422
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as exc:
        abandon()
        outcome.error = exc
        name = (fields or {}).get(exc.field, exc.field)
        target = getattr(form, name, None) if form is not None and name else None
        if target is None and form is not None and default:
            target = getattr(form, default)
        if target is not None and hasattr(target, "errors"):
            target.errors.append(exc.message)
        else:
            flash(exc.message, "danger")
