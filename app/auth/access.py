"""Who may open a page: the logged-in user loader and the role decorators every blueprint uses."""
from functools import wraps

from flask import Flask, abort
from flask_login import current_user

from app.auth.models import MANAGER_ROLES, STAFF_ROLES
from app.extensions import login_manager


def roles_required(*roles: str):
    """Let only logged-in users with one of `roles` through: anonymous → login, others → 403."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        wrapped.allowed_roles = roles
        return wrapped
    return decorator


staff_required = roles_required(*STAFF_ROLES)
manager_required = roles_required(*MANAGER_ROLES)


def init_app(app: Flask) -> None:
    @login_manager.user_loader
    def load_user(login_token: str):
        # the cookie names a log-in, not a user: one ended on the server is no longer accepted
        from app.auth.operations import session_user
        return session_user(login_token)
