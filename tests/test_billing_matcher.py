"""The payment matcher against the corpus (tests/billing_corpus.py): every expected decision, no
automatic match wrong, and the automatic share of what an accountant could attribute."""
from decimal import Decimal

import pytest

from app.billing.matcher import Decision, PaymentFacts, decide, find_references
from tests.billing_corpus import BY_NUMBER, CASES, CLIENTS_BY_INN, INVOICES, OWN_INN, PREFIX, Case

NUMBER_OF = {i.id: i.number for i in INVOICES}


def run(case: Case) -> Decision:
    payment = PaymentFacts(Decimal(case.amount), case.payer_inn, case.payer_name, case.purpose)
    return decide(payment, INVOICES, CLIENTS_BY_INN, prefix=PREFIX, own_inn=OWN_INN)


def as_expected(decision: Decision):
    if decision.status != "auto":
        return None
    return ({NUMBER_OF[i]: str(a) for i, a in decision.allocations}, str(decision.advance))


def test_the_corpus_is_large_and_varied():
    assert len(CASES) >= 150
    assert sum(c.expect is None for c in CASES) >= 15 and sum(len(c.expect[0]) > 1 for c in CASES if c.expect) >= 4
    assert all(number in BY_NUMBER for c in CASES if c.expect for number in c.expect[0])


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c.purpose[:40]}" for i, c in enumerate(CASES)])
def test_each_payment_gets_the_expected_decision(case):
    decision = run(case)
    assert as_expected(decision) == case.expect, decision
    if decision.status == "auto":
        paid = sum((a for _i, a in decision.allocations), Decimal("0")) + decision.advance
        assert paid == Decimal(case.amount)    # every kopeck goes somewhere
    else:
        assert decision.rule and not decision.allocations


def test_no_automatic_match_is_wrong_and_the_automatic_share_is_at_least_95_percent():
    wrong = [c.purpose for c in CASES if (d := run(c)).status == "auto" and as_expected(d) != c.expect]
    assert wrong == []
    attributable = [c for c in CASES if c.attributable]
    automatic = [c for c in attributable if run(c).status == "auto"]
    assert len(automatic) / len(attributable) >= 0.95, (len(automatic), len(attributable))


def test_a_person_gets_suggestions_with_reasons():
    decision = run(Case("Оплата за ИТС", "30000.00", "7702070139", None))
    assert decision.rule == "several_invoices_same_amount"
    assert {NUMBER_OF[s.invoice_id] for s in decision.suggestions[:2]} == {"HD-2026-00045", "HD-2026-00051"}
    assert set(decision.suggestions[0].why) >= {"inn", "amount"}


@pytest.mark.parametrize("purpose, found", [
    ("Оплата по договору № 15-ИТС от 01.01.2026", []),
    ("ИНН 7707083893 КПП 770701001 оплата", []),
    ("Оплата по сч. 15 от 28.11.2026, сумма 1500,00, в т.ч. НДС 22% 270.49", [(None, 15)]),
    ("счетчик 5, расчет 42", []),
    ("сч. 41.42", []),
    ("Счета 41, 42 и 43", [(None, 41), (None, 42), (None, 43)]),
    ("оплатапосчетуHD-2026-00042заИТС", [(2026, 42)]),
    ("HD2026/7 и HD-2025-00042", [(2026, 7), (2025, 42)]),
])
def test_numbers_are_found_where_people_write_them_and_nowhere_else(purpose, found):
    assert [(r.year, r.seq) for r in find_references(purpose, PREFIX)] == found
