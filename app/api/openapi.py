"""`GET /api/v1/openapi.json`, built by apispec from the registered operations' schemas."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify
from marshmallow import fields, validate

from app.api import OPERATIONS, bp

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "field"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": ["string", "null"]}}}},
}
_ERROR_TEXT = {400: "Malformed request (also: a number, date or text out of range anywhere in it)", 401: "Missing or invalid token", 403: "Role not allowed",
               404: "Not found", 409: "State conflict", 413: "Too large", 422: "Validation failed",
               429: "Too many requests"}


#: ids in paths are 64-bit (larger ones are a 400 from the input guard)
MAX_ID = 2**63 - 1
#: a decimal as the API writes it ("1500.00", "-0.5") and reads it when sent as a string
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"


def _decimal_property(self, field, ret: dict, **kwargs) -> dict:
    """Money and hours are decimals: answers carry them as strings (exact, unlike a JSON number);
    requests may send a string or a number. Bounds are numbers (apispec writes them as strings)."""
    if not isinstance(field, fields.Decimal):
        return {}
    types = ["string"] if field.as_string else ["string", "number"]
    if field.allow_none:
        types.append("null")
    prop = {"type": types[0] if len(types) == 1 else types, "format": "decimal", "pattern": DECIMAL_PATTERN}
    for bound in ("minimum", "maximum"):
        ret.pop(bound, None)
    for rule in field.validators:
        if isinstance(rule, validate.Range) and rule.min is not None:
            prop["minimum" if rule.min_inclusive else "exclusiveMinimum"] = float(rule.min)
        if isinstance(rule, validate.Range) and rule.max is not None:
            prop["maximum" if rule.max_inclusive else "exclusiveMaximum"] = float(rule.max)
    return prop


def build_spec() -> dict:
    marshmallow = MarshmallowPlugin()
    spec = APISpec(title="Hourdesk API", version="1.0.0", openapi_version="3.1.0",
                   plugins=[marshmallow], servers=[{"url": "/api/v1"}])
    marshmallow.converter.add_attribute_function(_decimal_property)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR_SCHEMA)
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", op.rule)
        item = {"summary": op.summary, "responses": {}}
        params = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "integer", "format": "int64", "minimum": 0, "maximum": MAX_ID}}
                  for name in re.findall(r"\{(\w+)\}", path)]
        if op.query is not None:
            params.append({"in": "query", "schema": op.query})
        if params:
            item["parameters"] = params
        if op.body is not None:
            item["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
        elif op.upload is not None:
            item["requestBody"] = {"required": True, "content": op.upload}
        ok = {"description": "OK"}
        if op.response is not None:
            schema = ({"type": "object", "required": ["items", "page", "per_page", "total"], "properties": {
                "items": {"type": "array", "items": op.response}, "page": {"type": "integer"},
                "per_page": {"type": "integer"}, "total": {"type": "integer"}}} if op.many else op.response)
            ok["content"] = {"application/json": {"schema": schema}}
        item["responses"][str(op.status)] = ok
        # 400: the input guard answers it for any request (an integer beyond 64 bits, NUL, …)
        errors = set(op.errors) | {400} | ({422} if op.body or op.upload or op.query else set()) | (set() if op.public else {401})
        if op.roles:
            errors.add(403)
        for code in sorted(errors):
            item["responses"][str(code)] = {"description": _ERROR_TEXT[code],
                                            "content": {"application/json": {"schema": "Error"}}}
        if not op.public:
            item["security"] = [{"bearer": []}]
        if op.roles:
            item["description"] = "Roles: " + ", ".join(op.roles)
        paths.setdefault(path, {})[op.method] = item
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(build_spec())
