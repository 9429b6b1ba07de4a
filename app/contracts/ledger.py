"""The hour ledger's arithmetic, as pure functions (docs/domain.md, "The hour ledger").

Everything here takes plain values (integer minutes, lots as small records, `now` as an argument)
and returns what to write; nothing imports the app or touches a database, so the rules are tested
exhaustively without either. `app/contracts/operations.py` loads the state, calls these functions
and writes the entries they return.

A lot's remaining minutes are the sum of its entries (its `grant` entry included), so a balance is
always the sum of the client's entries.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

HOURLY, PAID, FREE = "hourly", "paid", "free"
BILLING_MODES = (HOURLY, PAID, FREE)
CONVERT_TO_PAID, ALLOW_NEGATIVE, BLOCK = "convert_to_paid", "allow_negative", "block"
OVERDRAFT_POLICIES = (CONVERT_TO_PAID, ALLOW_NEGATIVE, BLOCK)
MAX_LINE_MINUTES = 10_000


@dataclass(frozen=True)
class Lot:
    """A bucket of prepaid minutes as the planner sees it."""
    id: int
    remaining: int
    valid_from: datetime
    expires_at: datetime

    def valid_at(self, now: datetime) -> bool:
        return self.valid_from <= now < self.expires_at


@dataclass(frozen=True)
class Line:
    """A specification line: raw minutes and how it is billed."""
    id: int
    minutes: int
    billing: str


@dataclass(frozen=True)
class Debit:
    """Minutes taken from one lot (positive); lot None only for an overdraft with no lot at all."""
    lot_id: int | None
    minutes: int


@dataclass(frozen=True)
class ClosePlan:
    #: billed minutes per line id (hourly and paid lines rounded up to the increment; free lines 0)
    billed: dict[int, int]
    #: M: the billed minutes of the hourly lines, which the balance must cover
    hourly_minutes: int
    debits: tuple[Debit, ...]
    #: hourly minutes the lots could not cover and that became billable money (convert_to_paid)
    overage_minutes: int

    @property
    def debited_minutes(self) -> int:
        return sum(d.minutes for d in self.debits)


class InsufficientHours(Exception):
    """The `block` policy refuses a close the lots cannot cover."""

    def __init__(self, shortfall_minutes: int, needed_minutes: int, available_minutes: int):
        super().__init__(f"short of {shortfall_minutes} minutes")
        self.shortfall_minutes = shortfall_minutes
        self.needed_minutes = needed_minutes
        self.available_minutes = available_minutes


def round_up(minutes: int, increment: int) -> int:
    """Billed minutes: raw minutes rounded up to a whole number of increments."""
    if increment <= 0:
        raise ValueError("the billing increment must be positive")
    if minutes < 0:
        raise ValueError("minutes cannot be negative")
    return math.ceil(minutes / increment) * increment


def check_line_minutes(minutes) -> int:
    """A line's raw minutes: a whole number from 1 to MAX_LINE_MINUTES. Raises ValueError."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValueError("minutes must be a whole number")
    if not 0 < minutes <= MAX_LINE_MINUTES:
        raise ValueError(f"minutes must be between 1 and {MAX_LINE_MINUTES}")
    return minutes


def usable_lots(lots: Iterable[Lot], now: datetime) -> list[Lot]:
    """Lots valid at `now` with minutes left, the one expiring soonest first (ties: older lot)."""
    return sorted((lot for lot in lots if lot.remaining > 0 and lot.valid_at(now)),
                  key=lambda lot: (lot.expires_at, lot.id))


def available_minutes(lots: Iterable[Lot], now: datetime) -> int:
    return sum(lot.remaining for lot in usable_lots(lots, now))


def plan_close(lines: Sequence[Line], lots: Sequence[Lot], *, increment: int, policy: str,
               now: datetime) -> ClosePlan:
    """What closing a ticket with `lines` writes (rules 2–5).

    Hourly lines are rounded up and their sum M is taken from the usable lots, soonest-expiring
    first, one debit per lot touched. What the lots cannot cover follows `policy`:
    `convert_to_paid` bills it as overage, `allow_negative` takes it anyway from the lot expiring
    last (the balance goes below zero), `block` raises InsufficientHours and nothing is written.
    Paid and free lines never move the balance.
    """
    if policy not in OVERDRAFT_POLICIES:
        raise ValueError(f"unknown overdraft policy {policy!r}")
    billed: dict[int, int] = {}
    for line in lines:
        if line.billing not in BILLING_MODES:
            raise ValueError(f"unknown billing mode {line.billing!r}")
        billed[line.id] = 0 if line.billing == FREE else round_up(line.minutes, increment)
    needed = sum(billed[line.id] for line in lines if line.billing == HOURLY)

    debits, overage = plan_take(needed, lots, now=now, policy=policy)
    return ClosePlan(billed=billed, hourly_minutes=needed, debits=tuple(debits), overage_minutes=overage)


def plan_take(needed: int, lots: Sequence[Lot], *, now: datetime, policy: str) -> tuple[list[Debit], int]:
    """Take `needed` minutes from the usable lots, soonest-expiring first, one debit per lot.

    Returns the debits and the overage (minutes not covered, convert_to_paid only). With
    `allow_negative` the uncovered rest is taken from the valid lot that expires last (or, with no
    valid lot, from no lot), so the balance goes below zero; `block` raises InsufficientHours.
    """
    if needed < 0:
        raise ValueError("cannot take a negative number of minutes")
    debits: list[Debit] = []
    left = needed
    for lot in usable_lots(lots, now):
        if left == 0:
            break
        take = min(lot.remaining, left)
        debits.append(Debit(lot.id, take))
        left -= take
    if not left:
        return debits, 0
    if policy == BLOCK:
        raise InsufficientHours(left, needed, needed - left)
    if policy == CONVERT_TO_PAID:
        return debits, left
    valid = [lot for lot in lots if lot.valid_at(now)]
    target = max(valid, key=lambda lot: (lot.expires_at, lot.id)).id if valid else None
    already = sum(d.minutes for d in debits if d.lot_id == target)
    return [d for d in debits if d.lot_id != target] + [Debit(target, already + left)], 0


def plan_reversal(debits: Iterable[Debit]) -> list[Debit]:
    """Rule 7: give back exactly what a close took, to the same lots (written as positive entries)."""
    return [Debit(d.lot_id, d.minutes) for d in debits if d.minutes]


@dataclass(frozen=True)
class Expiry:
    """The unused minutes of an expired lot: expired, or moved to `rollover` into the next contract."""
    lot_id: int
    minutes: int
    rollover: bool


def plan_expiry(lots: Iterable[Lot], now: datetime, *, rollover: bool, next_contract_available: bool) -> list[Expiry]:
    """Rule 8: lots past `expires_at` with minutes left lose them (one entry each), or with
    `rollover` and a next active contract, move them there."""
    move = rollover and next_contract_available
    return [Expiry(lot.id, lot.remaining, move) for lot in sorted(lots, key=lambda lot: lot.id)
            if lot.expires_at <= now and lot.remaining > 0]


def overage_amount(minutes: int, rate_per_hour: Decimal) -> Decimal:
    """Money for overage minutes at an hourly rate, to the kopeck/cent."""
    return (Decimal(minutes) * Decimal(rate_per_hour) / Decimal(60)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def granted_minutes(months: int, minutes_per_month: int) -> int:
    """Rule 1: a contract grants months × monthly minutes in one lot."""
    if months <= 0 or minutes_per_month <= 0:
        raise ValueError("months and hours per month must be positive")
    return months * minutes_per_month
