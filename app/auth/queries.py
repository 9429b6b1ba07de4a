"""Read models of the people: the active staff, as every form that names an engineer or a manager
offers them."""
from sqlalchemy import select

from app.auth.models import STAFF_ROLES, User, staff_role_in
from app.extensions import db


def active_staff(roles=STAFF_ROLES) -> list[User]:
    """Active staff of `roles`, by name, read along the staff's own partial index (`staff_role_in`)."""
    return list(db.session.scalars(select(User).where(staff_role_in(roles), User.active.is_(True))
                                   .order_by(User.name)))
