"""State changes for users and API tokens. They flush, never commit."""
import hashlib
import secrets

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app.auth.models import ROLES, ApiToken, User
from app.core.errors import Conflict, ValidationFailed
from app.core.types import utcnow
from app.extensions import db

MIN_PASSWORD_LENGTH = 8


def normalise_email(raw: str) -> str:
    try:
        # No DNS look-up: offices may be offline and contacts' domains may be internal.
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(_("Invalid e-mail address: %(e)s", e=str(exc)), code="invalid_email", field="email") from None


def create_user(email: str, *, role: str, password: str, name: str | None = None, client=None,
                locale: str = "ru") -> User:
    """Create a user; a `client` contact must name its company, staff must not."""
    email = normalise_email(email)
    if role not in ROLES:
        raise ValidationFailed(_("Unknown role %(r)s: expected one of %(all)s.", r=role, all=", ".join(ROLES)),
                               code="invalid_role", field="role")
    if role == "client" and client is None:
        raise ValidationFailed(_("A client contact must belong to a client company."), code="client_required", field="client")
    if role != "client" and client is not None:
        raise ValidationFailed(_("Only client contacts belong to a company."), code="client_not_allowed", field="client")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(_("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
                               code="weak_password", field="password")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise Conflict(_("A user with the e-mail %(e)s already exists.", e=email), code="duplicate_email", field="email")
    user = User(email=email, role=role, name=(name or email.split("@")[0]).strip()[:200],
                client=client, locale=locale if locale in ("ru", "en") else "ru")
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Always hashes, so timing does not tell
    whether the e-mail exists."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        User(password_hash=_DUMMY_HASH).check_password(password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for `user`; the raw token is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=_hash_token(raw), prefix=raw[:8], name=name[:100])
    db.session.add(token)
    db.session.flush()
    return token, raw


def user_for_token(raw: str) -> User | None:
    """The active user owning a live token, or None."""
    if not raw:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(raw)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    return token.user


def set_locale(user: User, locale: str) -> None:
    """The language a user reads Hourdesk (and its e-mails) in."""
    if locale not in ("ru", "en"):
        raise ValidationFailed(_("Unknown language %(l)s.", l=locale), code="invalid_locale", field="locale")
    user.locale = locale
    db.session.flush()


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Enable or disable a user's access (a disabled user cannot log in, and its tokens stop
    working). Nobody disables themselves: an admin would lock the office out by one click."""
    if user.id == actor.id and not active:
        raise Conflict(_("You cannot disable yourself."), code="cannot_disable_self", field="active")
    user.active = active
    db.session.flush()


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()


_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))
