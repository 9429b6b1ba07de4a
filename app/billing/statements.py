"""Bank statements read into plain values: the 1CClientBankExchange text every Russian (and
Ukrainian) bank client exports, and ISO 20022 camt.053 XML.

Pure: bytes in, a `Statement` out, or a `StatementError` naming the line. Nothing here knows the
database or which account is ours; the caller keeps the incoming payments to our account.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MARKER = "1CClientBankExchange"
#: what `Кодировка=` may say, and the codec it means
ENCODINGS = {"windows": "cp1251", "dos": "cp866", "utf-8": "utf-8", "utf8": "utf-8"}
MAX_AMOUNT = Decimal("999999999999.99")


class StatementError(ValueError):
    """The file is not a statement we can read; `line` is where reading stopped (1-based)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message if line is None else f"line {line}: {message}")
        self.message = message
        self.line = line


@dataclass(frozen=True)
class BankDocument:
    """One payment document of a statement, as the bank wrote it."""
    number: str
    date: date
    amount: Decimal
    payer_name: str = ""
    payer_inn: str = ""
    payer_kpp: str = ""
    payer_account: str = ""
    payer_bik: str = ""
    payee_name: str = ""
    payee_inn: str = ""
    payee_account: str = ""
    purpose: str = ""
    #: the day the money arrived (incoming) or left (outgoing), when the bank says
    booked_on: date | None = None
    #: camt.053 says the direction itself (CRDT/DBIT); 1C leaves it to the accounts (None)
    credit: bool | None = None
    #: where in the file the document starts (1-based line), for messages
    line: int = 0


@dataclass(frozen=True)
class Statement:
    format: str
    #: our account(s) the statement is for, as the file says
    accounts: tuple[str, ...] = ()
    period_from: date | None = None
    period_to: date | None = None
    documents: tuple[BankDocument, ...] = field(default_factory=tuple)


def parse_statement(data: bytes) -> Statement:
    """Read a statement in whichever of the two formats it is."""
    if not data or not data.strip():
        raise StatementError("the file is empty", 1)
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    if head.startswith(MARKER.encode()):
        return parse_1c(data)
    if head.startswith(b"<"):
        return parse_camt053(data)
    raise StatementError("this is not a bank statement (expected 1CClientBankExchange or camt.053 XML)", 1)


# --- 1CClientBankExchange -------------------------------------------------------------------------

def _encoding_of(data: bytes) -> str:
    """The codec the header's `Кодировка=` names. The key itself is Cyrillic, so look for it as
    each encoding would write it; a file whose bytes contradict its header is refused."""
    head = data.split(b"\n", 60)[:60]
    for codec in ("utf-8", "cp1251", "cp866"):
        key = "Кодировка=".encode(codec)
        for number, raw in enumerate(head, start=1):
            if raw.lstrip(b"\xef\xbb\xbf").startswith(key):
                value = raw[len(key):].strip().decode("ascii", "replace").lower()
                if value not in ENCODINGS:
                    raise StatementError(f"unknown encoding {value!r} in Кодировка=", number)
                if ENCODINGS[value] != codec:
                    raise StatementError(f"the header says {value!r} but the file is written in {codec}", number)
                return codec
    raise StatementError("the header has no Кодировка= line", 2)


def _decode(data: bytes, codec: str) -> list[str]:
    lines = data.split(b"\n")
    text = []
    for number, raw in enumerate(lines, start=1):
        raw = raw.rstrip(b"\r")
        if number == 1:
            raw = raw.lstrip(b"\xef\xbb\xbf")
        try:
            text.append(raw.decode(codec))
        except UnicodeDecodeError:
            raise StatementError(f"not valid {codec} text", number) from None
    return text


def _date(value: str, line: int, key: str) -> date:
    try:
        return datetime.strptime(value.strip(), "%d.%m.%Y").date()
    except ValueError:
        raise StatementError(f"{key}: {value!r} is not a date (дд.мм.гггг)", line) from None


def parse_amount(value: str, line: int | None = None, key: str = "Сумма") -> Decimal:
    """Roubles and kopecks with a dot, positive, at most two decimals. A comma is refused rather
    than guessed at (is "1,500" one and a half or fifteen hundred?)."""
    text = (value or "").strip()
    if "," in text:
        raise StatementError(f"{key}: {text!r} has a comma; amounts use a dot (1500.00)", line)
    if not re.fullmatch(r"\d{1,12}(\.\d{1,2})?", text):
        raise StatementError(f"{key}: {text!r} is not a positive amount", line)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise StatementError(f"{key}: {text!r} is not an amount", line) from None
    if amount <= 0 or amount > MAX_AMOUNT:
        raise StatementError(f"{key}: {text!r} must be above zero", line)
    return amount.quantize(Decimal("0.01"))


def _payer_name(fields: dict[str, str]) -> str:
    name = fields.get("Плательщик1") or fields.get("Плательщик") or ""
    # `Плательщик` is often "ИНН 7707083893 ООО Ромашка"
    return re.sub(r"^\s*ИНН\s*\d{8,12}\s*", "", name).strip()


def _document(fields: dict[str, str], where: dict[str, int], line: int) -> BankDocument:
    """`where`: the line of each key, so an error names the line to look at."""
    for key in ("Номер", "Дата", "Сумма"):
        if not fields.get(key, "").strip():
            raise StatementError(f"the document has no {key}", where.get(key, line))
    purpose = fields.get("НазначениеПлатежа", "").strip()
    if not purpose:   # some banks split it over НазначениеПлатежа1..6
        purpose = " ".join(fields[k].strip() for k in (f"НазначениеПлатежа{i}" for i in range(1, 7)) if fields.get(k))
    received = fields.get("ДатаПоступило", "").strip()
    return BankDocument(
        number=fields["Номер"].strip(), date=_date(fields["Дата"], where["Дата"], "Дата"),
        amount=parse_amount(fields["Сумма"], where["Сумма"]),
        payer_name=_payer_name(fields), payer_inn=fields.get("ПлательщикИНН", "").strip(),
        payer_kpp=fields.get("ПлательщикКПП", "").strip(), payer_account=fields.get("ПлательщикСчет", "").strip(),
        payer_bik=fields.get("ПлательщикБИК", "").strip(),
        payee_name=(fields.get("Получатель1") or fields.get("Получатель") or "").strip(),
        payee_inn=fields.get("ПолучательИНН", "").strip(), payee_account=fields.get("ПолучательСчет", "").strip(),
        purpose=" ".join(purpose.split()),
        booked_on=_date(received, where["ДатаПоступило"], "ДатаПоступило") if received else None,
        line=line)


def parse_1c(data: bytes) -> Statement:
    """1CClientBankExchange (format 1.0x): `Key=Value` lines, documents between
    `СекцияДокумент=…` and `КонецДокумента`, `КонецФайла` last. Keys are read by name, in any order;
    optional ones may be absent."""
    lines = _decode(data, _encoding_of(data))
    if lines[0].strip() != MARKER:
        raise StatementError(f"the first line must be {MARKER}", 1)
    header: dict[str, str] = {}
    accounts: list[str] = []
    documents: list[BankDocument] = []
    current: dict[str, str] | None = None
    where: dict[str, int] = {}
    started = 0
    in_account = False
    ended = False
    for number, line in enumerate(lines[1:], start=2):
        line = line.strip()
        if not line:
            continue
        if ended:
            raise StatementError("text after КонецФайла", number)
        key, eq, value = line.partition("=")
        key = key.strip()
        if key == "КонецФайла":
            if current is not None:
                raise StatementError("the file ends inside a document (no КонецДокумента)", number)
            ended = True
        elif key == "СекцияДокумент":
            if current is not None:
                raise StatementError("a document begins before the previous one ended", number)
            current, where, started = {}, {}, number
        elif key == "КонецДокумента":
            if current is None:
                raise StatementError("КонецДокумента without a document", number)
            documents.append(_document(current, where, started))
            current = None
        elif key == "СекцияРасчСчет":
            in_account = True
        elif key == "КонецРасчСчет":
            in_account = False
        elif not eq:
            raise StatementError(f"{line[:40]!r} is not a Key=Value line", number)
        elif current is not None:
            current[key], where[key] = value, number
        elif key == "РасчСчет" and not in_account:
            accounts.append(value.strip())
        elif not in_account:
            header[key] = value
    if current is not None:
        raise StatementError("the file is cut off inside a document", len(lines))
    if not ended:
        raise StatementError("the file is cut off: no КонецФайла", len(lines))
    period_from = _date(header["ДатаНачала"], 0, "ДатаНачала") if header.get("ДатаНачала") else None
    period_to = _date(header["ДатаКонца"], 0, "ДатаКонца") if header.get("ДатаКонца") else None
    return Statement("1c", tuple(accounts), period_from, period_to, tuple(documents))


# --- camt.053 ------------------------------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(node: Element | None, path: str) -> Element | None:
    """Namespace-blind path: `A/B/C` by local names, first match at each step."""
    for step in path.split("/"):
        if node is None:
            return None
        node = next((child for child in node if _local(child.tag) == step), None)
    return node


def _findall(node: Element | None, name: str) -> list[Element]:
    return [] if node is None else [child for child in node if _local(child.tag) == name]


def _text(node: Element | None, path: str) -> str:
    found = _find(node, path)
    return (found.text or "").strip() if found is not None else ""


def _account(node: Element | None) -> str:
    return _text(node, "Id/Othr/Id") or _text(node, "Id/IBAN")


def _party_inn(party: Element | None) -> str:
    """The INN: `Id/OrgId/Othr/Id` whose scheme code is TXID (generic libraries drop it)."""
    for other in _findall(_find(party, "Id/OrgId"), "Othr") + _findall(_find(party, "Id/PrvtId"), "Othr"):
        if _text(other, "SchmeNm/Cd").upper() == "TXID":
            return _text(other, "Id")
    return ""


def _day(value: str, what: str = "a date") -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise StatementError(f"{what}: {value!r} is not a date") from None


def _iso_date(node: Element | None, path: str) -> date | None:
    return _day(_text(node, path + "/Dt") or _text(node, path + "/DtTm"), path)


def parse_camt053(data: bytes) -> Statement:
    """ISO 20022 camt.053 (any version): one `Ntry` per document; the payer's INN from its TXID
    id, the BIK from the clearing-system member id, the purpose from `RmtInf/Ustrd`."""
    try:
        root = fromstring(data, forbid_dtd=True)
    except ParseError as exc:
        raise StatementError(f"not well-formed XML ({exc.msg if hasattr(exc, 'msg') else exc})",
                             exc.position[0] if getattr(exc, "position", None) else None) from None
    except DefusedXmlException:
        raise StatementError("the XML declares entities or a DTD, which statements never need", 1) from None
    statement_parent = _find(root, "BkToCstmrStmt")
    if _local(root.tag) != "Document" or statement_parent is None:
        raise StatementError("this XML is not a camt.053 statement (no Document/BkToCstmrStmt)", 1)
    accounts, documents = [], []
    period_from = period_to = None
    for stmt in _findall(statement_parent, "Stmt"):
        accounts.append(_account(_find(stmt, "Acct")))
        period_from = period_from or _day(_text(stmt, "FrToDt/FrDtTm"))
        period_to = _day(_text(stmt, "FrToDt/ToDtTm")) or period_to
        for entry in _findall(stmt, "Ntry"):
            amount_node = _find(entry, "Amt")
            indicator = _text(entry, "CdtDbtInd").upper()
            if amount_node is None or indicator not in ("CRDT", "DBIT"):
                raise StatementError("an entry without Amt or CdtDbtInd")
            details = _find(entry, "NtryDtls/TxDtls")
            debtor = _find(details, "RltdPties/Dbtr")
            creditor = _find(details, "RltdPties/Cdtr")
            number = (_text(details, "Refs/EndToEndId") or _text(details, "Refs/InstrId")
                      or _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef"))
            booked = _iso_date(entry, "BookgDt") or _iso_date(entry, "ValDt")
            if not number or booked is None:
                raise StatementError("an entry without a reference or a booking date")
            purpose = " ".join((u.text or "").strip() for u in _findall(_find(details, "RmtInf"), "Ustrd"))
            documents.append(BankDocument(
                number=number, date=booked, amount=parse_amount(amount_node.text or "", None, "Amt"),
                payer_name=_text(debtor, "Nm"), payer_inn=_party_inn(debtor),
                payer_account=_account(_find(details, "RltdPties/DbtrAcct")),
                payer_bik=_text(details, "RltdAgts/DbtrAgt/FinInstnId/ClrSysMmbId/MmbId"),
                payee_name=_text(creditor, "Nm"), payee_inn=_party_inn(creditor),
                payee_account=_account(_find(details, "RltdPties/CdtrAcct")) or accounts[-1],
                purpose=" ".join(purpose.split()), booked_on=booked, credit=indicator == "CRDT"))
    if not accounts:
        raise StatementError("the statement has no Stmt", 1)
    return Statement("camt053", tuple(a for a in accounts if a), period_from, period_to, tuple(documents))
