"""API: tokens."""
from flask import current_app

from app.api import api_route, error_response, json_body
from app.auth import operations
from app.auth.schemas import TokenIn, TokenOut


def _login_rate_limit() -> str:
    return current_app.config["HOURDESK_LOGIN_RATE_LIMIT"]


@api_route("/tokens", "POST", summary="Exchange e-mail and password for an API token", status=201,
           body=TokenIn, response=TokenOut, public=True, errors=(401, 429), rate_limit=_login_rate_limit)
def create_token():
    data = TokenIn().load(json_body())
    user = operations.authenticate(data["email"], data["password"])
    if user is None:
        return error_response(401, "invalid_credentials", "Wrong e-mail or password, or the account is disabled.")
    _, raw = operations.issue_token(user, data["name"] or "api")
    return {"token": raw}, 201
