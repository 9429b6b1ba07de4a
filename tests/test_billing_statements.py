"""The statement parsers as tables: both 1C encodings, CRLF and LF, one and many documents,
optional keys absent, camt.053, and every way a file can fail to be a statement."""
from datetime import date
from decimal import Decimal

import pytest

from app.billing.statements import StatementError, parse_statement
from tests.billing_files import OUR_ACCOUNT, Doc, camt053, one_c

DOCS = [Doc("15000.00", "Оплата по счету HD-2026-00042 за поддержку. НДС не облагается"),
        Doc("7500.50", "Оплата сч. 43, 44 в т.ч. НДС 22% - 1352.55", payer_inn="7736207543", number="7",
            payer_name="АО «Лютик»")]


@pytest.mark.parametrize("encoding", ["Windows", "UTF-8"])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_1c_in_each_encoding_and_line_ending(encoding, newline):
    statement = parse_statement(one_c(DOCS, encoding=encoding, newline=newline))
    assert statement.format == "1c" and statement.accounts == (OUR_ACCOUNT,)
    assert (statement.period_from, statement.period_to) == (date(2026, 11, 27), date(2026, 11, 27))
    first, second = statement.documents
    assert (first.number, first.date, first.amount) == ("101", date(2026, 11, 27), Decimal("15000.00"))
    assert first.payer_name == "ООО «Ромашка»" and first.payer_inn == "7707083893" and first.payer_kpp == "770701001"
    assert first.purpose == "Оплата по счету HD-2026-00042 за поддержку. НДС не облагается"
    assert first.payee_account == OUR_ACCOUNT and first.booked_on == date(2026, 11, 27)
    assert (second.amount, second.payer_name, second.payer_inn) == (Decimal("7500.50"), "АО «Лютик»", "7736207543")


def test_1c_in_dos_encoding():
    doc = Doc("250.00", "Оплата по счету HD-2026-00007", payer_name='ООО "Ромашка"')
    (parsed,) = parse_statement(one_c([doc], encoding="DOS")).documents
    assert parsed.payer_name == 'ООО "Ромашка"' and parsed.purpose == "Оплата по счету HD-2026-00007"


def test_1c_one_document_optional_keys_absent_and_purpose_in_parts():
    doc = Doc("100", "Оплата счета № HD-2026-00001 за часы поддержки", minimal=True, split_purpose=True)
    (parsed,) = parse_statement(one_c([doc])).documents
    assert parsed.amount == Decimal("100.00") and parsed.payer_kpp == "" and parsed.booked_on is None
    assert parsed.purpose == "Оплата счета № HD-2026-00001 за часы поддержки"
    assert parsed.payer_name == ""


def test_1c_many_documents_keep_their_order_and_line():
    docs = [Doc(f"{n}.00", f"Оплата {n}", number=str(n)) for n in range(1, 251)]
    parsed = parse_statement(one_c(docs)).documents
    assert [d.number for d in parsed] == [str(n) for n in range(1, 251)]
    assert parsed[0].line < parsed[1].line


def test_1c_reports_outgoing_documents_too_so_the_caller_can_skip_them():
    outgoing = Doc("999.00", "Аренда офиса", payer_account=OUR_ACCOUNT, payee_account="40702810500000000999",
                   payer_inn="7704340310", payee_inn="7702070139")
    parsed = parse_statement(one_c([DOCS[0], outgoing])).documents
    assert [d.payee_account == OUR_ACCOUNT for d in parsed] == [True, False]


@pytest.mark.parametrize("data, line, words", [
    (b"", 1, "empty"),
    (b"%PDF-1.7 binary", 1, "not a bank statement"),
    ("Номер;Дата;Сумма\n1;01.01.2026;5".encode(), 1, "not a bank statement"),
    (one_c(DOCS, end=False), None, "no КонецФайла"),
    (one_c(DOCS)[: len(one_c(DOCS)) // 2], None, "cut off"),
    (one_c([Doc("1,500.00", "x")]), 23, "comma"),
    (one_c([Doc("1500,00", "x")]), 23, "comma"),
    (one_c([Doc("-5.00", "x")]), 23, "positive"),
    (one_c([Doc("0.00", "x")]), 23, "above zero"),
    (one_c([Doc("12.345", "x")]), 23, "positive"),
    (one_c(DOCS, encoding="UTF-8").replace("Кодировка=UTF-8".encode(), "Кодировка=Windows".encode()), 3,
     "written in utf-8"),
    (one_c(DOCS).replace("Кодировка=Windows".encode("cp1251"), "Кодировка=KOI8".encode("cp1251")), 3,
     "unknown encoding"),
    (one_c(DOCS).replace("Кодировка=Windows\r\n".encode("cp1251"), b""), 2, "no Кодировка"),
    (one_c(DOCS).replace("Дата=27.11.2026".encode("cp1251"), "Дата=2026-11-27".encode("cp1251")), 22, "not a date"),
    (one_c(DOCS).replace("Номер=101\r\n".encode("cp1251"), b""), 20, "no Номер"),
    (one_c(DOCS).replace("КонецДокумента\r\n".encode("cp1251"), b"", 1), None, "before the previous one ended"),
    (one_c(DOCS).replace("Оплата по".encode("cp1251"), b"\xff\xfe\x98 \x98"), None, None),
])
def test_what_is_not_a_statement_is_refused_with_its_line(data, line, words):
    if words is None:   # bytes that cp1251 cannot hold in a Windows file: still read, never a crash
        try:
            parse_statement(data)
        except StatementError as exc:
            assert exc.line is not None
        return
    with pytest.raises(StatementError) as caught:
        parse_statement(data)
    assert words in caught.value.message
    if line is not None:
        assert caught.value.line == line


def test_camt053_reads_payer_inn_bik_account_purpose_and_direction():
    statement = parse_statement(camt053(DOCS + [Doc("50.00", "Комиссия банка", number="X9")], outgoing=(2,)))
    assert statement.format == "camt053" and statement.accounts == (OUR_ACCOUNT,)
    assert statement.period_from == date(2026, 11, 27)
    first, second, fee = statement.documents
    assert (first.number, first.amount, first.payer_inn, first.payer_bik) == ("101", Decimal("15000.00"),
                                                                              "7707083893", "044525593")
    assert first.payer_account == "40702810100000000111" and first.payee_account == OUR_ACCOUNT
    assert first.purpose.startswith("Оплата по счету HD-2026-00042") and first.credit is True
    assert second.payer_name == "АО «Лютик»" and fee.credit is False


@pytest.mark.parametrize("data, words", [
    (b"<Document><BkToCstmrStmt><Stmt>", "not well-formed"),
    (b"<html><body>hello</body></html>", "not a camt.053"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Document/>', "entities"),
    (camt053([Doc("1,00", "x")]), "comma"),
    (camt053([Doc("abc", "x")]), "not a positive amount"),
])
def test_bad_xml_is_refused(data, words):
    with pytest.raises(StatementError) as caught:
        parse_statement(data)
    assert words in caught.value.message
