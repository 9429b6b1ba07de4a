"""`GET /api/v1/openapi.json`, built by apispec from the registered operations' schemas."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify

from app.api import OPERATIONS, bp

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message", "field"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": ["string", "null"]}}}},
}
_ERROR_TEXT = {400: "Malformed request", 401: "Missing or invalid token", 403: "Role not allowed",
               404: "Not found", 409: "State conflict", 413: "Too large", 422: "Validation failed",
               429: "Too many requests"}


def build_spec() -> dict:
    spec = APISpec(title="Hourdesk API", version="1.0.0", openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()], servers=[{"url": "/api/v1"}])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR_SCHEMA)
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", op.rule)
        item = {"summary": op.summary, "responses": {}}
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
                  for name in re.findall(r"\{(\w+)\}", path)]
        if op.query is not None:
            params.append({"in": "query", "schema": op.query})
        if params:
            item["parameters"] = params
        if op.body is not None:
            item["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
        ok = {"description": "OK"}
        if op.response is not None:
            schema = ({"type": "object", "required": ["items", "page", "per_page", "total"], "properties": {
                "items": {"type": "array", "items": op.response}, "page": {"type": "integer"},
                "per_page": {"type": "integer"}, "total": {"type": "integer"}}} if op.many else op.response)
            ok["content"] = {"application/json": {"schema": schema}}
        item["responses"][str(op.status)] = ok
        errors = set(op.errors) | ({400, 422} if op.body else set()) | (set() if op.public else {401})
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
