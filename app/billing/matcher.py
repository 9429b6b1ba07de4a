"""Which invoices an incoming payment pays: the rules an accountant follows, as a pure function.

Plain values in (the payment, the open and recent invoices, the INNs of our clients), a `Decision`
out: paid automatically (with the allocations, any advance, and the rule that decided, in words),
or left to a person with the reason the rules stopped and ranked suggestions. The rules prefer
leaving a payment to a person over a wrong guess: an automatic match needs the invoice number
confirmed by the payer's INN and the amount, or — without a number — the payer's INN and exactly
one open invoice of exactly that amount.
"""
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")
OPEN_STATUSES = ("issued", "partially_paid")


@dataclass(frozen=True)
class InvoiceFacts:
    id: int
    number: str
    year: int
    seq: int
    client_id: int
    client_inn: str
    client_name: str
    total: Decimal
    open_amount: Decimal
    status: str
    issued_on: date

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES and self.open_amount > 0


@dataclass(frozen=True)
class PaymentFacts:
    amount: Decimal
    payer_inn: str
    payer_name: str
    purpose: str


@dataclass(frozen=True)
class Reference:
    """An invoice number found in a purpose. `seq` always; `year` when written; `strong` when it
    was written the way only our numbers are (prefix or year) or after a word for «invoice»."""
    seq: int
    year: int | None
    strong: bool


@dataclass(frozen=True)
class Suggestion:
    invoice_id: int
    score: int
    why: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    #: `auto` (the rules decided) or `unmatched` (a person decides)
    status: str
    #: the code of the rule that decided or of the reason the rules stopped (shown translated)
    rule: str
    client_id: int | None = None
    #: (invoice id, amount) paid by this payment, oldest invoice first
    allocations: tuple[tuple[int, Decimal], ...] = ()
    #: what is left above the invoices: kept as the client's advance
    advance: Decimal = ZERO
    #: numbers found in the purpose, for the record
    references: tuple[str, ...] = ()
    suggestions: tuple[Suggestion, ...] = field(default_factory=tuple)


# --- finding invoice numbers --------------------------------------------------------------------

#: «счёт» in its cases, «сч.», «счёт-оферта», "invoice" — as a word of its own (not «расчёт», «счётчик»)
_INVOICE_WORD = (r"(?<![a-zа-яёіїєґ])(?:сч(?:[её]т(?:а|у|ом|е|ам|ов|ами|ах)?(?:\s?-\s?оферт[а-яё]*)?)?\.?"
                 r"|рах(?:ун(?:ок|ку|ка|ком|ки|ків|кам|ками|ках)?)?\.?|invoices?|inv\.?)(?![a-zа-яёіїєґ])")
_SIGN = r"(?:№|(?<![a-zа-яё])N(?![a-zа-яё])|#|(?<![a-zа-яё])No\.?(?![a-zа-яё]))"
#: a number sign right after these names another document («договор № 15», «акт № 7», «ИНН …»)
_OTHER_DOCUMENT = re.compile(r"(?:договор|дог|контракт|акт|заказ|заявк|спецификаци|доп|соглашени|накладн|упд|"
                             r"фактур|сф|с/ф|платежн|п/п|пп|кпп|инн|огрн|бик|р/с|к/с|тел|лицензи|кв|дом|офис)"
                             r"[а-яё.]*\s*$", re.I)
#: a number's end: not followed by more digits, a decimal part, a date's next part or a sub-number
_NUMBER_END = r"(?!\d|[.:/]\d)"
_LIST_MORE = re.compile(r"\s*(?:,|;|и|and|&|\+)\s*(?:" + _SIGN + r"\s*)?0*(\d{1,7})" + _NUMBER_END, re.I)


def find_references(purpose: str, prefix: str) -> list[Reference]:
    """Invoice numbers in a payment purpose, however people write them: `HD-2026-00042`,
    `HD2026-42`, `2026-00042`, «сч. 42», «счет №00042», «счёту42», «рахунок № 42», `#42`, «счета 41, 42 и 43» — and
    not the numbers of contracts, acts, dates, amounts or tax ids."""
    text = (purpose or "").replace("\u00a0", " ")
    found: list[Reference] = []
    taken: list[tuple[int, int]] = []

    def add(seq: str, year: str | None, strong: bool, span: tuple[int, int]) -> None:
        if any(a < span[1] and span[0] < b for a, b in taken):
            return
        taken.append(span)
        ref = Reference(int(seq), int(year) if year else None, strong)
        if int(seq) > 0 and ref not in found:
            found.append(ref)

    p = re.escape(prefix)
    # our own shape, with or without the prefix, glued to words or not: HD-2026-00042, HD2026/42, 2026-00042
    for match in re.finditer(rf"(?:{p}\s*[-–—_/]?\s*)(20\d\d)\s*[-–—_/]?\s*0*(\d{{1,7}})(?!\d)", text, re.I):
        add(match.group(2), match.group(1), True, match.span())
    for match in re.finditer(r"(?<![\d.,/])(20\d\d)\s*[-–—_/]\s*(0\d{2,6})(?!\d)", text):
        add(match.group(2), match.group(1), True, match.span())
    # after a word for «invoice» or a number sign: сч. 42, счет № 00042, счету42, № 42, #42 (and lists)
    pattern = re.compile(rf"({_INVOICE_WORD}\s*{_SIGN}?|{_SIGN})\s*[:.]?\s*(?:{p}\s*[-–]?\s*)?"
                         rf"(?:(20\d\d)\s*[-–/]\s*)?0*(\d{{1,7}}){_NUMBER_END}", re.I)
    for match in pattern.finditer(text):
        explicit = not re.fullmatch(_SIGN, match.group(1).strip(), re.I)
        if not explicit and _OTHER_DOCUMENT.search(text[max(0, match.start() - 25):match.start()]):
            continue
        add(match.group(3), match.group(2), explicit or bool(match.group(2)), match.span())
        end = match.end()
        while more := _LIST_MORE.match(text, end):
            add(more.group(1), match.group(2), explicit, more.span())
            end = more.end()
    return found


# --- deciding ------------------------------------------------------------------------------------

class InvoiceBook:
    """The invoices a statement's payments may mean, indexed by number, client and open amount, so
    deciding one payment costs the same with 100 or 100,000 invoices. `update` replaces an
    invoice's facts after a payment of the same statement paid it."""

    def __init__(self, invoices: Iterable[InvoiceFacts] = ()):
        self._by_id: dict[int, InvoiceFacts] = {}
        self._by_seq: dict[int, set[int]] = {}
        self._by_client: dict[int, set[int]] = {}
        self._by_amount: dict[Decimal, set[int]] = {}
        for invoice in invoices:
            self.update(invoice)

    def update(self, invoice: InvoiceFacts) -> None:
        old = self._by_id.get(invoice.id)
        if old is not None:
            self._by_amount.get(old.open_amount, set()).discard(old.id)
        self._by_id[invoice.id] = invoice
        self._by_seq.setdefault(invoice.seq, set()).add(invoice.id)
        self._by_client.setdefault(invoice.client_id, set()).add(invoice.id)
        if invoice.open:
            self._by_amount.setdefault(invoice.open_amount, set()).add(invoice.id)

    def get(self, invoice_id: int) -> InvoiceFacts:
        return self._by_id[invoice_id]

    def numbered(self, seq: int) -> list[InvoiceFacts]:
        return [self._by_id[i] for i in sorted(self._by_seq.get(seq, ()))]

    def of_client(self, client_id: int) -> list[InvoiceFacts]:
        return [self._by_id[i] for i in sorted(self._by_client.get(client_id, ()))]

    def open_for(self, amount: Decimal) -> list[InvoiceFacts]:
        return [self._by_id[i] for i in sorted(self._by_amount.get(amount, ()))]

    def __iter__(self):
        return iter(self._by_id.values())

def _resolve(refs: Iterable[Reference], book: InvoiceBook, payer_inn: str) -> list[list[InvoiceFacts]]:
    """For each reference, the invoices it can mean (a number without a year may fit several
    years: the payer's own is preferred)."""
    result = []
    for ref in refs:
        fits = [i for i in book.numbered(ref.seq) if ref.year is None or i.year == ref.year]
        if len(fits) > 1:
            own = [i for i in fits if i.client_inn == payer_inn]
            fits = own if len(own) == 1 else ([i for i in fits if i.open] if len(own) == 0 else own)
        result.append(fits)
    return result


def _oldest_first(invoices: Iterable[InvoiceFacts]) -> list[InvoiceFacts]:
    return sorted(invoices, key=lambda i: (i.issued_on, i.year, i.seq))


def _allocate(invoices: list[InvoiceFacts], amount: Decimal) -> tuple[tuple[tuple[int, Decimal], ...], Decimal]:
    """Oldest first: each invoice gets what it still needs until the money runs out; the rest is
    an advance."""
    allocations, left = [], amount
    for invoice in _oldest_first(invoices):
        if left <= 0:
            break
        part = min(left, invoice.open_amount)
        allocations.append((invoice.id, part))
        left -= part
    return tuple(allocations), left


def _tokens(name: str) -> set[str]:
    words = re.findall(r"[a-zа-яё0-9]+", (name or "").lower())
    return {w for w in words if len(w) > 2 and w not in {"ооо", "оао", "зао", "пао", "ип", "тов", "llc", "ltd"}}


def suggest(payment: PaymentFacts, book: InvoiceBook, refs: list[Reference], clients_by_inn: Mapping[str, int],
            limit: int = 5) -> tuple[Suggestion, ...]:
    """Open invoices ranked by how much speaks for them, with the reasons. The candidates: the
    invoices the purpose names, the payer's own and those open for exactly this amount."""
    ranked = []
    payer_words = _tokens(payment.payer_name)
    payer_client = clients_by_inn.get(payment.payer_inn) if payment.payer_inn else None
    candidates = {i.id: i for ref in refs for i in book.numbered(ref.seq)}
    candidates.update({i.id: i for i in book.open_for(payment.amount)})
    if payer_client is not None:
        candidates.update({i.id: i for i in book.of_client(payer_client)})
    for invoice in candidates.values():
        if not invoice.open:
            continue
        score, why = 0, []
        if any(r.seq == invoice.seq and r.year in (None, invoice.year) for r in refs):
            score, why = score + 40, why + ["number"]
        if payment.payer_inn and invoice.client_inn == payment.payer_inn:
            score, why = score + 35, why + ["inn"]
        if invoice.open_amount == payment.amount:
            score, why = score + 30, why + ["amount"]
        elif payment.amount < invoice.open_amount:
            score, why = score + 5, why + ["part"]
        if payer_words & _tokens(invoice.client_name):
            score, why = score + 15, why + ["name"]
        if score >= 30:
            ranked.append(Suggestion(invoice.id, score, tuple(why)))
    ranked.sort(key=lambda s: -s.score)
    return tuple(ranked[:limit])


def decide(payment: PaymentFacts, invoices: InvoiceBook | Iterable[InvoiceFacts], clients_by_inn: Mapping[str, int],
           *, prefix: str, own_inn: str = "") -> Decision:
    """The decision for one incoming payment. `invoices`: our invoices that may be meant (open
    ones, and recent paid or cancelled ones, so that a payment for a settled invoice is shown as
    such rather than guessed elsewhere); `clients_by_inn`: every client's INN."""
    book = invoices if isinstance(invoices, InvoiceBook) else InvoiceBook(invoices)
    refs = find_references(payment.purpose, prefix)
    labels = tuple(f"{r.year}-{r.seq}" if r.year else str(r.seq) for r in refs)

    def unmatched(rule: str, client_id: int | None = None) -> Decision:
        return Decision("unmatched", rule, client_id, references=labels,
                        suggestions=suggest(payment, book, refs, clients_by_inn))

    if payment.amount <= 0:
        return unmatched("not_positive")
    if own_inn and payment.payer_inn == own_inn:
        return unmatched("own_transfer")
    payer_client = clients_by_inn.get(payment.payer_inn) if payment.payer_inn else None

    by_number = _by_number(payment, refs, book)
    if by_number is not None and by_number.status == "auto":
        return by_number
    # No number, or one that does not fit (another client's invoice at another amount, a settled
    # or cancelled one, a contract's number): the payer's INN and exactly one open invoice of
    # exactly this amount still say which invoice it pays.
    if payer_client is not None:
        exact = [i for i in book.open_for(payment.amount) if i.client_id == payer_client]
        if len(exact) == 1:
            rule = "inn_amount" if by_number is None else "inn_amount_number_mismatch"
            return Decision("auto", rule, payer_client, ((exact[0].id, payment.amount),), ZERO, labels)
        if by_number is None:
            return unmatched("several_invoices_same_amount" if exact else
                             ("unknown_number" if refs else "no_invoice_of_this_amount"), payer_client)
    if by_number is not None:
        return unmatched(by_number.rule, by_number.client_id)
    return unmatched("unknown_payer" if not refs else "unknown_number")


def _by_number(payment: PaymentFacts, refs: list[Reference], book: InvoiceBook) -> Decision | None:
    """The decision the invoice numbers in the purpose support (None: no number names an
    invoice of ours). `unmatched` decisions carry the reason only."""
    resolved = _resolve(refs, book, payment.payer_inn)
    meant = [fits for fits in resolved if fits]
    if not meant:
        return None
    if any(len(fits) > 1 for fits in meant):
        return Decision("unmatched", "ambiguous_number")
    chosen = list({fits[0].id: fits[0] for fits in meant}.values())
    if len({i.client_id for i in chosen}) > 1:
        return Decision("unmatched", "several_clients")
    client_id = chosen[0].client_id
    open_ones = [i for i in chosen if i.open]
    if not open_ones:
        rule = "invoice_cancelled" if all(i.status == "cancelled" for i in chosen) else "invoice_already_paid"
        return Decision("unmatched", rule, client_id)
    due = sum((i.open_amount for i in open_ones), ZERO)
    weak = not any(r.strong for r, fits in zip(refs, resolved, strict=True) if fits)
    settled_too = len(open_ones) < len(chosen)
    labels = tuple(f"{r.year}-{r.seq}" if r.year else str(r.seq) for r in refs)
    if chosen[0].client_inn == payment.payer_inn:
        if payment.amount == due:
            return Decision("auto", "number_inn_amount", client_id, _allocate(open_ones, due)[0], ZERO, labels)
        if weak or settled_too:
            return Decision("unmatched", "amount_differs", client_id)
        allocations, advance = _allocate(open_ones, payment.amount)
        rule = "number_inn_partial" if payment.amount < due else "number_inn_overpaid"
        return Decision("auto", rule, client_id, allocations, advance, labels)
    if payment.amount == due and not settled_too:
        return Decision("auto", "number_third_party_exact", client_id, _allocate(open_ones, due)[0], ZERO, labels)
    return Decision("unmatched", "third_party_amount_differs", client_id)
