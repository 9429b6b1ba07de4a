from __future__ import annotations

import enum
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, and_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.sql import constants_in
from app.core.types import UTCDateTime, utcnow
from app.extensions import db


class Role(str, enum.Enum):
    admin = "admin"
    manager = "manager"
    engineer = "engineer"
    client = "client"


ROLES = tuple(r.value for r in Role)
STAFF_ROLES = ("admin", "manager", "engineer")
MANAGER_ROLES = ("admin", "manager")
#: the staff, as SQL both databases match a partial index's condition against (`staff_role_in`)
STAFF_SQL = "role IN ('admin', 'manager', 'engineer')"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'manager', 'engineer', 'client')", name="role"),
        Index("ix_users_role", "role"),
        # the staff by name (every form's engineer choices): a few dozen among tens of thousands of
        # contacts, which SQLite's statistics (an average per role: a quarter of the users) cannot
        # tell apart, so with the role index alone it read every user on every ticket page
        Index("ix_users_staff_name", "name", sqlite_where=text(STAFF_SQL), postgresql_where=text(STAFF_SQL)),
        # A client contact belongs to exactly one company; staff belong to none.
        CheckConstraint(
            "(role = 'client' AND client_id IS NOT NULL) OR (role <> 'client' AND client_id IS NULL)",
            name="client_contact",
        ),
        CheckConstraint("locale IN ('ru', 'en')", name="locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; the login compares lower-cased input.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    #: The company of a client contact; NULL for staff.
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    locale: Mapped[str] = mapped_column(String(2), default="ru", server_default="ru")
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: wrong passwords in a row; at HOURDESK_LOGIN_LOCK_AFTER the account locks for a while
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    #: no log-in until then (an admin may lift it sooner)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: the contact's company; named, not imported (app.clients.models imports this module)
    client = relationship("Client", back_populates="contacts", foreign_keys=[client_id])

    #: the log-in (a UserSession's raw token) this object was loaded through; not stored. Flask-Login
    #: keeps it in the session cookie and the remember-me cookie instead of the user's id, so ending
    #: the log-in on the server ends those cookies too.
    login_token = None   # (a plain attribute, not a column)
    #: the person's unread staff notices (the bell's count) as the log-in was read, in the same
    #: statement (`auth.operations.session_user`); None when the object was loaded otherwise
    unread_notices_loaded = None   # (a plain attribute, not a column): int or None

    def get_id(self) -> str:
        if not self.login_token:
            raise RuntimeError("log a user in through auth.operations.start_session")
        return self.login_token

    def set_password(self, password: str) -> None:
        # scrypt (werkzeug's default): memory-hard and salted. Only the test config makes it cheaper.
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGER_ROLES

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


def staff_role_in(roles=STAFF_ROLES):
    """`users.role IN (…)` for staff roles, with the roles written as constants and the staff's own
    condition (STAFF_SQL) first, so that SQLite reads the staff's partial index: with parameters
    the planner cannot tell that the condition is the index's."""
    unknown = set(roles) - set(STAFF_ROLES)
    if unknown:
        raise ValueError(f"not staff roles: {sorted(unknown)}")
    staff = constants_in(User.role, STAFF_ROLES)
    return staff if set(roles) == set(STAFF_ROLES) else and_(staff, constants_in(User.role, roles))


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored: the token itself has 256 bits
    of entropy, so a slow hash would add nothing but latency to every API call."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: hex SHA-256 of the token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first characters, so a user can tell tokens apart in the UI
    prefix: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class PasswordResetLink(db.Model):
    """A one-time link to set a new password, issued by an admin. Only its SHA-256 is stored; it
    works once, until it expires, and a newer link for the same user supersedes it."""

    __tablename__ = "password_reset_links"
    __table_args__ = (Index("ix_password_reset_links_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class UserSession(db.Model):
    """One log-in (a browser): logging out ends it; a new password or a disabled account ends every
    one of the user's. Only the SHA-256 of its token is stored."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
