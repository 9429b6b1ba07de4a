"""State changes for users and API tokens. They flush, never commit."""
import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import bindparam, func, select, update
from werkzeug.security import generate_password_hash

from app.audit.operations import record_action, record_changes, snapshot
from app.auth.models import ROLES, ApiToken, PasswordResetLink, User, UserSession
from app.core.errors import Conflict, ValidationFailed
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.extensions import db
from app.notifications.models import StaffNotice

MIN_PASSWORD_LENGTH = 8
#: how long an admin's password reset link works
RESET_LINK_LIFETIME = timedelta(days=3)
USER_FIELDS = ("email", "name", "role", "client_id", "locale", "active")


def normalise_email(raw: str) -> str:
    try:
        # No DNS look-up: offices may be offline and contacts' domains may be internal.
        return validate_email((raw or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationFailed(_("Invalid e-mail address: %(e)s", e=str(exc)), code="invalid_email", field="email") from None


def _check_role(role: str, client) -> None:
    if role not in ROLES:
        raise ValidationFailed(_("Unknown role %(r)s: expected one of %(all)s.", r=role, all=", ".join(ROLES)),
                               code="invalid_role", field="role")
    if role == "client" and client is None:
        raise ValidationFailed(_("A client contact must belong to a client company."), code="client_required", field="client")
    if role != "client" and client is not None:
        raise ValidationFailed(_("Only client contacts belong to a company."), code="client_not_allowed", field="client")


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(_("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
                               code="weak_password", field="password")


def _check_unique_email(email: str, exclude_id: int | None = None) -> None:
    query = select(User.id).where(func.lower(User.email) == email)
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    if db.session.scalar(query):
        raise Conflict(_("A user with the e-mail %(e)s already exists.", e=email), code="duplicate_email", field="email")


def create_user(email: str, *, role: str, password: str, name: str | None = None, client=None,
                locale: str = "ru", actor: User | None = None) -> User:
    """Create a user; a `client` contact must name its company, staff must not."""
    email = normalise_email(email)
    _check_role(role, client)
    _check_password(password)
    _check_unique_email(email)
    user = User(email=email, role=role, name=(name or email.split("@")[0]).strip()[:200],
                client=client, locale=locale if locale in ("ru", "en") else "ru")
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    if actor is not None:
        record_action("user", user.id, "created", actor=actor, detail=f"{user.email} ({user.role})")
    return user


def _other_active_admins(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.active.is_(True), User.id != user.id)) or 0


def update_user(user: User, *, email: str, name: str, role: str, client, locale: str, active: bool,
                actor: User) -> int:
    """Correct a user's e-mail, name, role, company, language or access, one audit row per
    changed field; the number of fields changed. The office always keeps an active admin, and
    nobody demotes or disables themselves."""
    email = normalise_email(email)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed(_("Enter a name of up to 200 characters."), code="invalid_name", field="name")
    _check_role(role, client)
    if locale not in ("ru", "en"):
        raise ValidationFailed(_("Unknown language %(l)s.", l=locale), code="invalid_locale", field="locale")
    if user.id == actor.id and (role != user.role or not active):
        raise Conflict(_("You cannot change your own role or disable yourself."), code="cannot_change_self",
                       field="role")
    if user.role == "admin" and user.active and (role != "admin" or not active) and not _other_active_admins(user):
        raise Conflict(_("The office must keep at least one active administrator."), code="last_admin", field="role")
    _check_unique_email(email, exclude_id=user.id)
    before = snapshot(user, USER_FIELDS)
    user.email, user.name, user.role, user.client, user.locale, user.active = (
        email, name, role, client, locale, bool(active))
    db.session.flush()
    if not user.active or before["role"] != user.role:   # what they may do changed: log in again
        end_all_sessions(user)
    return record_changes("user", user.id, before, snapshot(user, USER_FIELDS), actor=actor)


def issue_password_reset(user: User, *, actor: User, now: datetime | None = None) -> str:
    """A one-time link for `user` to set a new password (the raw token, returned once): earlier
    unused links stop working, the link is e-mailed to the user, and the issue is audited."""
    if not user.active:
        raise Conflict(_("Enable the user before sending a password link."), code="user_inactive", field="active")
    at = now or utcnow()
    for link in db.session.scalars(select(PasswordResetLink).where(PasswordResetLink.user_id == user.id,
                                                                    PasswordResetLink.used_at.is_(None))):
        link.used_at = at
    raw = secrets.token_urlsafe(32)
    db.session.add(PasswordResetLink(user=user, token_hash=_hash_token(raw), created_at=at, created_by_id=actor.id,
                                     expires_at=at + RESET_LINK_LIFETIME))
    record_action("user", user.id, "password_reset_link", actor=actor)
    from app.notifications.operations import mail_password_link  # notifications imports this package
    mail_password_link(user, raw, expires_at=at + RESET_LINK_LIFETIME)
    return raw


def reset_link_user(raw: str, now: datetime | None = None) -> PasswordResetLink | None:
    """The live link for this token (unused, not expired, its user active), or None."""
    link = db.session.scalar(select(PasswordResetLink).where(PasswordResetLink.token_hash == _hash_token(raw or "")))
    if link is None or link.used_at is not None or link.expires_at <= (now or utcnow()) or not link.user.active:
        return None
    return link


def reset_password(raw: str, password: str, *, now: datetime | None = None) -> User:
    """Set a new password through a one-time link; the link is used up."""
    link = reset_link_user(raw, now)
    if link is None:
        raise Conflict(_("This link has expired or was used already. Ask an administrator for a new one."),
                       code="reset_link_invalid", field="password")
    _check_password(password)
    link.user.set_password(password)
    link.used_at = now or utcnow()
    end_all_sessions(link.user)   # whoever knew the old password is logged out everywhere
    record_action("user", link.user_id, "password_reset", actor=link.user)
    return link.user


def authenticate(email: str, password: str, *, now: datetime | None = None) -> User | None:
    """The active, unlocked user with these credentials, or None. Always hashes, so timing does not
    tell whether the e-mail exists. Wrong passwords are counted: HOURDESK_LOGIN_LOCK_AFTER in a row
    lock the account for HOURDESK_LOGIN_LOCK_MINUTES, whoever tries from wherever."""
    now = now or utcnow()
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        User(password_hash=_DUMMY_HASH).check_password(password or "")
        return None
    correct = user.check_password(password or "")
    if user.locked_until is not None and user.locked_until > now:
        return None   # even the right password waits: the lock is what stops the guessing
    if not correct:
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["HOURDESK_LOGIN_LOCK_AFTER"]:
            user.locked_until = now + timedelta(minutes=current_app.config["HOURDESK_LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
        return None
    if not user.active:
        return None
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    return user


def unlock(user: User, *, actor: User) -> None:
    """An admin lifts a log-in lock (audited)."""
    if user.locked_until is None and not user.failed_logins:
        return
    user.locked_until, user.failed_logins = None, 0
    record_action("user", user.id, "unlocked", actor=actor)


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def start_session(user: User) -> str:
    """A new log-in for `user` (the token goes into the cookies through `user.get_id()`)."""
    raw = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_hash=_hash_token(raw)))
    user.login_token = raw
    return raw


# every request asks it: built once, on first use (building the statement cost as much as running it)
@cache
def _live_session_user():
    # the bell's count comes with the person: every staff page shows it, and its index read costs
    # less than a round trip of its own
    unread = (select(func.count()).where(StaffNotice.user_id == User.id, StaffNotice.read_at.is_(None))
              .correlate(User).scalar_subquery())
    return (select(User, unread).join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == bindparam("token_hash"), UserSession.ended_at.is_(None),
                   User.active.is_(True)))


def session_user(raw: str | None) -> User | None:
    """The active user of a live log-in, or None (ended, unknown, or the user disabled). The user
    carries its unread notices as they were then (`User.unread_notices_loaded`)."""
    if not raw or len(raw) > 100:
        return None
    row = db.session.execute(_live_session_user(), {"token_hash": _hash_token(raw)}).one_or_none()
    if row is None:
        return None
    found, found.unread_notices_loaded = row
    found.login_token = raw
    return found


def end_session(raw: str | None) -> None:
    """Log out: this log-in's cookies stop working, here and wherever they were copied."""
    if raw:
        db.session.execute(update(UserSession).where(UserSession.token_hash == _hash_token(raw),
                                                     UserSession.ended_at.is_(None)).values(ended_at=utcnow()))


def end_all_sessions(user: User) -> int:
    """Every log-in of `user` ends (a new password, a disabled account): the number ended."""
    result = db.session.execute(update(UserSession).where(UserSession.user_id == user.id,
                                                          UserSession.ended_at.is_(None)).values(ended_at=utcnow()))
    return result.rowcount or 0


def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for `user`; the raw token is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=_hash_token(raw), prefix=raw[:8], name=name[:100])
    db.session.add(token)
    db.session.flush()
    record_action("token", token.id, "created", actor=user, detail=f"{token.prefix}… {token.name}")
    return token, raw


# every API call asks it: the user through its token in one statement, built once
@cache
def _live_token_user():
    return (select(User).join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
                   User.active.is_(True)))


def user_for_token(raw: str) -> User | None:
    """The active user owning a live token, or None."""
    if not raw:
        return None
    return db.session.execute(_live_token_user(), {"token_hash": _hash_token(raw)}).scalar_one_or_none()


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
    if user.role == "admin" and user.active and not active and not _other_active_admins(user):
        raise Conflict(_("The office must keep at least one active administrator."), code="last_admin", field="active")
    before = snapshot(user, ("active",))
    user.active = active
    db.session.flush()
    if not active:
        end_all_sessions(user)
    record_changes("user", user.id, before, snapshot(user, ("active",)), actor=actor)


def revoke_token(token: ApiToken, *, actor: User | None = None) -> None:
    """A revoked token stops working at once; revoking one someone else owns is audited."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_action("token", token.id, "revoked", actor=actor, detail=f"{token.prefix}… {token.name}")


_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))
