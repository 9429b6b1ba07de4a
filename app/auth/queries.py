"""Read models of the people: the active staff, as every form that names an engineer or a manager
offers them."""
from functools import cache

from sqlalchemy import select

from app.auth.models import STAFF_ROLES, User, staff_role_in
from app.extensions import db


@cache   # one statement per set of roles, built on first use (the ticket page reads it every time)
def _active_staff_statement(roles: tuple[str, ...]):
    return select(User).where(staff_role_in(roles), User.active.is_(True)).order_by(User.name)


def active_staff(roles=STAFF_ROLES) -> list[User]:
    """Active staff of `roles`, by name, read along the staff's own partial index (`staff_role_in`)."""
    return list(db.session.scalars(_active_staff_statement(tuple(roles))))
