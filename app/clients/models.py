"""Client companies: the tax id, the time zone, the account manager and the contacts (users
with the `client` role). Clients know users; users know their company by name only, so the
modules import one way (clients → auth)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.types import UTCDateTime, utcnow
from app.extensions import db


class Client(db.Model):
    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint("country IN ('RU', 'UA')", name="country"),
        CheckConstraint("length(inn) IN (8, 10, 12)", name="inn_length"),
        # Prefix search (the engineers' picker) must stay index-driven on PostgreSQL whatever the
        # database collation: text_pattern_ops lets LIKE 'abc%' use the index.
        Index("ix_clients_name_search", "name_search", postgresql_ops={"name_search": "text_pattern_ops"}),
        Index("ix_clients_inn_pattern", "inn", postgresql_ops={"inn": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    #: casefolded name, kept in step with `name` by the operations; the picker searches it
    name_search: Mapped[str] = mapped_column(String(255))
    #: Russian INN (10 or 12 digits) or Ukrainian EDRPOU (8 digits), digits only, validated
    inn: Mapped[str] = mapped_column(String(12), unique=True)
    country: Mapped[str] = mapped_column(String(2), default="RU", server_default="RU")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Moscow", server_default="Europe/Moscow")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(50))
    #: the company's mail domains, space-separated ("romashka.ru romashka.com"): mail from an unknown
    #: sender at one of them becomes this client's ticket, the sender proposed as a contact
    mail_domains: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    account_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", use_alter=True))
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    #: when to warn the client and its account manager that hours run low: "percent" of the
    #: contract's grant or a number of "hours"; NULL: the office default (HOURDESK_LOW_BALANCE_*)
    low_balance_unit: Mapped[str | None] = mapped_column(String(10))
    low_balance_value: Mapped[int | None]
    #: set when the low-balance e-mail went out; cleared once the balance is above the threshold
    #: again, so each fall below it is told once
    low_balance_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contacts: Mapped[list[User]] = relationship(
        back_populates="client", foreign_keys="User.client_id", order_by="User.name"
    )
    account_manager: Mapped[User | None] = relationship(foreign_keys=[account_manager_id])

    def __repr__(self) -> str:
        return f"<Client {self.inn} {self.name}>"
