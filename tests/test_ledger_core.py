"""The pure ledger core: tables for each rule and Hypothesis properties over random histories."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.contracts import ledger
from app.contracts.ledger import Debit, InsufficientHours, Line, Lot

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def lot(id, remaining, days=30, start=-1):
    return Lot(id, remaining, T0 + timedelta(days=start), T0 + timedelta(days=days))


@pytest.mark.parametrize("minutes, increment, billed", [
    (1, 15, 15), (15, 15, 15), (16, 15, 30), (29, 15, 30), (30, 15, 30), (31, 15, 45),
    (0, 15, 0), (59, 60, 60), (61, 60, 120), (7, 1, 7), (10_000, 15, 10_005), (1, 240, 240)])
def test_rounding_to_the_increment(minutes, increment, billed):
    assert ledger.round_up(minutes, increment) == billed


@pytest.mark.parametrize("bad", [0, -5, 10_001, 1.5, "30", None, True])
def test_line_minutes_must_be_whole_and_in_range(bad):
    with pytest.raises(ValueError):
        ledger.check_line_minutes(bad)


def test_lots_soonest_expiring_first_one_debit_per_lot():
    lots = [lot(1, 100, days=90), lot(2, 30, days=10), lot(3, 50, days=40), lot(4, 500, days=5, start=1),  # not yet valid
            lot(5, 500, days=-1, start=-30), lot(6, 0, days=3)]                                           # expired, empty
    plan = ledger.plan_close([Line(1, 95, "hourly")], lots, increment=15, policy="block", now=T0)
    assert plan.hourly_minutes == 105
    assert plan.debits == (Debit(2, 30), Debit(3, 50), Debit(1, 25))


def test_ties_on_expiry_take_the_older_lot_first():
    plan = ledger.plan_close([Line(1, 30, "hourly")], [lot(7, 100), lot(3, 100)], increment=15, policy="block", now=T0)
    assert plan.debits == (Debit(3, 30),)


def test_paid_and_free_lines_leave_the_balance_alone():
    lines = [Line(1, 20, "paid"), Line(2, 45, "free"), Line(3, 10, "hourly")]
    plan = ledger.plan_close(lines, [lot(1, 100)], increment=15, policy="block", now=T0)
    assert plan.billed == {1: 30, 2: 0, 3: 15}
    assert plan.hourly_minutes == 15 and plan.debits == (Debit(1, 15),)
    only_free = ledger.plan_close([Line(1, 600, "free"), Line(2, 60, "paid")], [], increment=15, policy="block", now=T0)
    assert only_free.debits == () and only_free.overage_minutes == 0


@pytest.mark.parametrize("policy, debits, overage", [
    ("convert_to_paid", (Debit(1, 40),), 50),
    ("allow_negative", (Debit(1, 90),), 0),
])
def test_overdraft_policies(policy, debits, overage):
    plan = ledger.plan_close([Line(1, 90, "hourly")], [lot(1, 40)], increment=15, policy=policy, now=T0)
    assert plan.debits == debits and plan.overage_minutes == overage


def test_block_refuses_and_names_the_shortfall():
    with pytest.raises(InsufficientHours) as info:
        ledger.plan_close([Line(1, 90, "hourly")], [lot(1, 40)], increment=15, policy="block", now=T0)
    assert (info.value.shortfall_minutes, info.value.needed_minutes, info.value.available_minutes) == (50, 90, 40)


def test_allow_negative_puts_the_rest_on_the_lot_that_lasts_longest():
    lots = [lot(1, 10, days=10), lot(2, 20, days=50)]
    plan = ledger.plan_close([Line(1, 60, "hourly")], lots, increment=15, policy="allow_negative", now=T0)
    assert plan.debits == (Debit(1, 10), Debit(2, 50))
    no_lots = ledger.plan_close([Line(1, 60, "hourly")], [], increment=15, policy="allow_negative", now=T0)
    assert no_lots.debits == (Debit(None, 60),)


def test_reversal_goes_back_to_the_same_lots_even_expired():
    debits = [Debit(1, 30), Debit(2, 15)]
    assert ledger.plan_reversal(debits) == debits
    expired = Lot(1, 0, T0 - timedelta(days=60), T0 - timedelta(days=1))
    assert ledger.plan_expiry([expired], T0, rollover=False, next_contract_available=False) == []
    refilled = Lot(1, 30, expired.valid_from, expired.expires_at)   # after the reversal
    assert ledger.plan_expiry([refilled], T0, rollover=False, next_contract_available=False) == [ledger.Expiry(1, 30, False)]


@pytest.mark.parametrize("rollover, successor, moved", [(True, True, True), (True, False, False), (False, True, False)])
def test_expiry_or_rollover(rollover, successor, moved):
    expired = Lot(1, 120, T0 - timedelta(days=30), T0)
    (item,) = ledger.plan_expiry([expired, lot(2, 50)], T0, rollover=rollover, next_contract_available=successor)
    assert (item.lot_id, item.minutes, item.rollover) == (1, 120, moved)


def test_money_and_grants():
    assert ledger.overage_amount(50, Decimal("2500")) == Decimal("2083.33")
    assert ledger.overage_amount(0, Decimal("2500")) == Decimal("0.00")
    assert ledger.granted_minutes(12, 600) == 7200
    with pytest.raises(ValueError):
        ledger.granted_minutes(0, 600)


# --- properties over random histories ----------------------------------------------------------

class Book:
    """An in-memory ledger driven only through the core, as the operations drive the database."""

    def __init__(self):
        self.lots: dict[int, Lot] = {}
        self.entries: list[tuple[str, int | None, int]] = []   # kind, lot, minutes
        self.closes: dict[int, list[Debit]] = {}
        self.negative_allowed = False

    def remaining(self, lot_id):
        return sum(m for _, lid, m in self.entries if lid == lot_id)

    def snapshot(self):
        return [Lot(i, self.remaining(i), l.valid_from, l.expires_at) for i, l in self.lots.items()]

    def write(self, kind, lot_id, minutes):
        if minutes:
            self.entries.append((kind, lot_id, minutes))


ops = st.one_of(
    st.tuples(st.just("grant"), st.integers(1, 3000), st.integers(-5, 40), st.integers(1, 400)),
    st.tuples(st.just("close"), st.integers(0, 5), st.lists(st.tuples(st.integers(1, 600), st.sampled_from(ledger.BILLING_MODES)), max_size=4),
              st.sampled_from(ledger.OVERDRAFT_POLICIES)),
    st.tuples(st.just("reopen"), st.integers(0, 5)),
    st.tuples(st.just("adjust"), st.integers(-900, 900).filter(bool)),
    st.tuples(st.just("expire"), st.integers(0, 60)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(ops, max_size=40), st.sampled_from([1, 5, 15, 30, 60]))
def test_random_histories_keep_the_invariants(history, increment):
    book = Book()
    now = T0
    next_lot = 1
    for op in history:
        kind = op[0]
        if kind == "grant":
            _, minutes, start, length = op
            book.lots[next_lot] = Lot(next_lot, 0, now + timedelta(days=start), now + timedelta(days=start + length))
            book.write("grant", next_lot, minutes)
            next_lot += 1
        elif kind == "close":
            _, ticket, raw_lines, policy = op
            if ticket in book.closes:
                continue                                      # closing twice debits nothing more
            lines = [Line(i, m, b) for i, (m, b) in enumerate(raw_lines)]
            before = {lid: book.remaining(lid) for lid in book.lots}
            try:
                plan = ledger.plan_close(lines, book.snapshot(), increment=increment, policy=policy, now=now)
            except InsufficientHours as exc:
                assert policy == "block" and exc.shortfall_minutes > 0
                continue
            hourly = sum(ledger.round_up(m, increment) for m, b in raw_lines if b == "hourly")
            assert plan.hourly_minutes == hourly
            assert plan.debited_minutes + plan.overage_minutes == hourly
            for debit in plan.debits:
                if policy != "allow_negative":
                    assert debit.lot_id is not None and debit.minutes <= before[debit.lot_id]   # never more than held
                    assert book.lots[debit.lot_id].valid_at(now)
                book.write("debit", debit.lot_id, -debit.minutes)
            assert len({d.lot_id for d in plan.debits}) == len(plan.debits)   # one debit per lot
            book.negative_allowed |= policy == "allow_negative" and plan.debited_minutes > sum(
                max(0, before[lid]) for lid in before if book.lots[lid].valid_at(now))
            book.closes[ticket] = list(plan.debits)
        elif kind == "reopen":
            debits = book.closes.pop(op[1], None)
            if debits is None:
                continue
            balance_before = sum(m for _, _, m in book.entries)
            for credit in ledger.plan_reversal(debits):
                book.write("reversal", credit.lot_id, credit.minutes)
            # a reopen restores exactly what the close took, lot by lot
            assert sum(m for _, _, m in book.entries) - balance_before == sum(d.minutes for d in debits)
            for debit in debits:
                assert sum(m for k, lid, m in book.entries if lid == debit.lot_id and k == "reversal") >= debit.minutes
        elif kind == "adjust":
            minutes = op[1]
            if minutes > 0:
                book.lots[next_lot] = Lot(next_lot, 0, now, now + timedelta(days=365))
                book.write("adjustment", next_lot, minutes)
                next_lot += 1
            else:
                takes, overage = ledger.plan_take(-minutes, book.snapshot(), now=now, policy="allow_negative")
                assert overage == 0 and sum(t.minutes for t in takes) == -minutes
                for take in takes:
                    book.write("adjustment", take.lot_id, -take.minutes)
                book.negative_allowed = True
        elif kind == "expire":
            now += timedelta(days=op[1])
            for item in ledger.plan_expiry(book.snapshot(), now, rollover=False, next_contract_available=False):
                assert item.minutes > 0 and book.lots[item.lot_id].expires_at <= now
                book.write("expiry", item.lot_id, -item.minutes)
            assert all(book.remaining(l.id) <= 0 for l in book.snapshot() if l.expires_at <= now)

        # balance = Σ entries = Σ lot remainders (+ entries with no lot)
        balance = sum(m for _, _, m in book.entries)
        assert balance == sum(book.remaining(lid) for lid in book.lots) + sum(m for _, lid, m in book.entries if lid is None)
        if not book.negative_allowed:
            assert all(book.remaining(lid) >= 0 for lid in book.lots)
