"""The public JSON API, v1 (docs/api.md).

Each capability package declares its routes with `api_route`, which registers the Flask view and
records the OpenAPI operation from the same marshmallow schemas, so the served document cannot
drift from the code. Authentication is by bearer token only; CSRF does not apply.
"""
from dataclasses import dataclass, field
from functools import wraps

from flask import Blueprint, g, request
from marshmallow import Schema, ValidationError, fields, validate

from app.core.errors import DomainError, api_error, error_response
from app.extensions import csrf, db, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

DEFAULT_PER_PAGE, MAX_PER_PAGE = 50, 200


__all__ = ["error_response"]   # the API's error format, re-exported for the capability packages

# The view raised, so the request is already rolled back (app.core.uow); these only answer.
bp.register_error_handler(DomainError, api_error)


@bp.errorhandler(ValidationError)
def _schema_error(exc: ValidationError):
    messages = exc.normalized_messages()
    first_field = next(iter(messages), None) if isinstance(messages, dict) else None
    detail = messages.get(first_field) if first_field else messages
    while isinstance(detail, (list, dict)) and detail:
        detail = detail[0] if isinstance(detail, list) else next(iter(detail.values()))
    return error_response(422, "validation_failed", f"{first_field}: {detail}" if first_field else str(detail),
                          None if first_field in (None, "_schema") else first_field, details=messages)


class BadRequest(DomainError):
    status = 400
    code = "malformed_request"


def json_body() -> dict:
    """The request's JSON object, or a 400 in the API error format."""
    if not request.is_json:
        raise BadRequest("Send a JSON object with Content-Type: application/json.", code="malformed_json")
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("The body is not valid JSON.", code="malformed_json")
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.", code="malformed_json")
    return data


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=DEFAULT_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def paginate(query, serialise, args: dict):
    """A list response `{"items", "page", "per_page", "total"}` for a select statement."""
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False, count=True)
    return {"items": [serialise(obj) for obj in page.items], "page": args["page"],
            "per_page": args["per_page"], "total": page.total}


def query_args(schema: Schema) -> dict:
    """Validated query-string arguments (unknown ones are ignored, as browsers and tools add some)."""
    return schema.load(request.args.to_dict(), unknown="exclude")


# --- authentication -----------------------------------------------------------------------------

def current_api_user():
    return g.get("api_user")


def api_auth(*roles: str):
    """Require a valid bearer token; with `roles`, require one of them (403 otherwise)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from app.auth.operations import user_for_token

            header = request.headers.get("Authorization", "")
            scheme, _, raw = header.partition(" ")
            user = user_for_token(raw.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                return error_response(401, "unauthorized", "A valid bearer token is required.")
            if roles and user.role not in roles:
                return error_response(403, "forbidden", "Your role may not do this.")
            g.api_user = user
            return view(*args, **kwargs)
        return wrapped
    return decorator


# --- route registry for the OpenAPI document ----------------------------------------------------

@dataclass
class ApiOperation:
    rule: str
    method: str
    summary: str
    status: int
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    many: bool = False
    roles: tuple[str, ...] = ()
    public: bool = False
    errors: tuple[int, ...] = field(default_factory=tuple)
    #: an OpenAPI request body's `content` for a body that is not a JSON object (a file upload)
    upload: dict | None = None


OPERATIONS: list[ApiOperation] = []


def api_route(rule: str, method: str, *, summary: str, status: int = 200, body=None, query=None,
              response=None, many=False, roles: tuple[str, ...] = (), public=False, errors=(), rate_limit=None,
              upload=None):
    """Register a view on the API blueprint (authenticated unless `public`) and describe it."""
    def decorator(view):
        OPERATIONS.append(ApiOperation(rule, method.lower(), summary, status, body, query, response, many,
                                       roles, public, tuple(errors), upload))
        wrapped = view if public else api_auth(*roles)(view)
        if rate_limit:
            wrapped = limiter.limit(rate_limit)(wrapped)
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        return view
    return decorator
