"""A corpus of realistic payment purposes with the answer a careful accountant gives for each.

The invoices and clients below stand for a month of a small service company; every case is a
payment as a bank statement shows it. `expect` is the right allocation ({invoice number: amount},
advance) when the rules should decide alone, or None when a person must; `attributable` says
whether a careful accountant could attribute the payment from the statement alone (the target:
≥ 95 % of those matched automatically, and no automatic match wrong).
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.billing.matcher import InvoiceFacts

PREFIX = "HD"
OWN_INN = "7704340310"
PARENT_INN = "7710140679"   # the holding that pays for Ромашка now and then (not a client)

CLIENTS = {  # INN → (client id, name)
    "7707083893": (1, "ООО «Ромашка»"),
    "7736207543": (2, "АО «Лютик»"),
    "7702070139": (3, "ООО «Василёк»"),
    "500100732259": (4, "ИП Петров Пётр Петрович"),
    "32855961": (5, "ТОВ «Соняшник»"),
    "7728168971": (6, "ООО «Поставка и Сервис»"),
}


def _inv(id_, year, seq, inn, total, status="issued", open_amount=None, issued=date(2026, 11, 2)):
    client_id, name = CLIENTS[inn]
    total = Decimal(total)
    open_amount = total if open_amount is None else Decimal(open_amount)
    if status in ("paid", "cancelled"):
        open_amount = Decimal("0.00")
    return InvoiceFacts(id_, f"{PREFIX}-{year}-{seq:05d}", year, seq, client_id, inn, name, total, open_amount,
                        status, issued)


INVOICES = [
    _inv(1, 2026, 41, "7707083893", "15000.00", issued=date(2026, 10, 1)),
    _inv(2, 2026, 42, "7707083893", "15000.00", issued=date(2026, 11, 1)),
    _inv(3, 2026, 43, "7736207543", "7500.50"),
    _inv(4, 2026, 44, "7736207543", "12000.00"),
    _inv(5, 2026, 45, "7702070139", "30000.00", issued=date(2026, 10, 20)),
    _inv(6, 2026, 46, "500100732259", "4500.00"),
    _inv(7, 2026, 47, "7702070139", "9000.00", status="paid"),
    _inv(8, 2026, 48, "7707083893", "6000.00", status="cancelled"),
    _inv(9, 2026, 49, "32855961", "20000.00"),
    _inv(10, 2025, 42, "7736207543", "3000.00", issued=date(2025, 12, 20)),
    _inv(11, 2026, 50, "500100732259", "4500.00", status="partially_paid", open_amount="2000.00"),
    _inv(12, 2026, 51, "7702070139", "30000.00", issued=date(2026, 11, 20)),
    _inv(13, 2026, 52, "7707083893", "18000.00"),
    _inv(14, 2026, 53, "7707083893", "6000.00"),          # the reissue of the cancelled 48
    _inv(15, 2026, 7, "7728168971", "36000.00"),
    _inv(16, 2026, 100, "7728168971", "1200.00"),
    _inv(17, 2026, 1234, "7736207543", "2400.00"),
]
BY_NUMBER = {i.number: i for i in INVOICES}
CLIENTS_BY_INN = {inn: client_id for inn, (client_id, _name) in CLIENTS.items()}


@dataclass(frozen=True)
class Case:
    purpose: str
    amount: str
    payer_inn: str
    #: {invoice number: amount} and the advance, or None: a person decides
    expect: tuple[dict[str, str], str] | None
    attributable: bool = True
    payer_name: str = ""


def auto(amount: str, payer: str, purpose: str, allocation: dict[str, str], advance: str = "0.00") -> Case:
    return Case(purpose, amount, payer, (allocation, advance), True)


def person(amount: str, payer: str, purpose: str, attributable: bool = False) -> Case:
    return Case(purpose, amount, payer, None, attributable)


#: how people write one invoice's number; {n}: HD-2026-000NN, {s}: the bare sequence number
STYLES = [
    "Оплата по счету № {n} от 02.11.2026 за услуги технической поддержки. НДС не облагается",
    "Оплата по сч. {s} от 02.11.26г. Сумма {a}-00 Без налога (НДС)",
    "оплата счета 000{s}, в т.ч. НДС 22% {vat}",
    "Опл. сч.№{s} абон. обслуживание ИТС",
    "Оплата по счёту {compact}",
    "ОПЛАТА ПО СЧЕТУ {n} ЗА ПРЕДОПЛАЧЕННЫЕ ЧАСЫ ПОДДЕРЖКИ",
    "Оплата по счету-оферте №{s} за пакет часов",
    "оплатапосчету{n}заИТС",
    "За ИТС по счету #{n}",
    "Оплата счета {year_seq} (сопровождение 1С)",
    "Счет {s} от 02.11.2026, договор № 15-ИТС от 01.01.2026",
    "Оплата за техподдержку согласно сч.N{s}",
    "Оплата услуг по счету {n}; НДС не облагается",
    "Предоплата по сч {s}. Без НДС",
    "Payment for invoice {n}",
]


def _style_cases() -> list[Case]:
    cases = []
    for number in ("HD-2026-00043", "HD-2026-00044", "HD-2026-00045", "HD-2026-00046", "HD-2026-00052",
                   "HD-2026-00053", "HD-2026-00007", "HD-2026-00100", "HD-2026-01234"):
        invoice = BY_NUMBER[number]
        amount = str(invoice.open_amount)
        vat = (invoice.open_amount * 22 / 122).quantize(Decimal("0.01"))
        for style in STYLES:
            purpose = style.format(n=number, s=invoice.seq, a=int(invoice.open_amount), vat=vat,
                                   compact=f"{PREFIX}{invoice.year}-{invoice.seq}",
                                   year_seq=f"{invoice.year}-{invoice.seq:05d}")
            cases.append(auto(amount, invoice.client_inn, purpose, {number: amount}))
    return cases


SPECIAL = [
    # several invoices in one payment
    auto("30000.00", "7707083893", "Оплата по счетам HD-2026-00041, HD-2026-00042 за ИТС",
         {"HD-2026-00041": "15000.00", "HD-2026-00042": "15000.00"}),
    auto("19500.50", "7736207543", "Оплата сч. 43, 44 за техподдержку",
         {"HD-2026-00043": "7500.50", "HD-2026-00044": "12000.00"}),
    auto("30000.00", "7707083893", "Оплата счетов №41 и №42", {"HD-2026-00041": "15000.00", "HD-2026-00042": "15000.00"}),
    auto("33000.00", "7707083893", "Оплата по сч. 52; 53 (услуги поддержки)",
         {"HD-2026-00052": "18000.00", "HD-2026-00053": "6000.00"}, "9000.00"),
    auto("24000.00", "7707083893", "оплата по счетам 2026-00052 и 2026-00053",
         {"HD-2026-00052": "18000.00", "HD-2026-00053": "6000.00"}),
    # partial payments: oldest invoice first, the invoice stays partly paid
    auto("10000.00", "7702070139", "Частичная оплата по счету HD-2026-00045", {"HD-2026-00045": "10000.00"}),
    auto("20000.00", "7707083893", "Оплата по счетам 41, 42 (частично)",
         {"HD-2026-00041": "15000.00", "HD-2026-00042": "5000.00"}),
    auto("2000.00", "500100732259", "Доплата по счету HD-2026-00050", {"HD-2026-00050": "2000.00"}),
    auto("1000.00", "500100732259", "Доплата по сч. 50", {"HD-2026-00050": "1000.00"}),
    # overpayments: the rest is the client's advance
    auto("5000.00", "500100732259", "Оплата по счету HD-2026-00046", {"HD-2026-00046": "4500.00"}, "500.00"),
    auto("20000.00", "7707083893", "Оплата по сч. 52 + аванс", {"HD-2026-00052": "18000.00"}, "2000.00"),
    # a number without a year: the payer's own invoice of that number
    auto("3000.00", "7736207543", "Оплата сч. 42 от 20.12.2025", {"HD-2025-00042": "3000.00"}),
    auto("3000.00", "7736207543", "Оплата по счету №42", {"HD-2025-00042": "3000.00"}),
    # no number: the payer's INN and exactly one open invoice of exactly this amount
    auto("4500.00", "500100732259", "Оплата за техническую поддержку", {"HD-2026-00046": "4500.00"}),
    auto("12000.00", "7736207543", "Абонентское обслуживание за ноябрь 2026", {"HD-2026-00044": "12000.00"}),
    auto("7500.50", "7736207543", "Оплата услуг. НДС не облагается", {"HD-2026-00043": "7500.50"}),
    auto("18000.00", "7707083893", "Предоплата за часы поддержки по договору № 15-ИТС", {"HD-2026-00052": "18000.00"}),
    auto("20000.00", "32855961", "Оплата за послуги технічної підтримки", {"HD-2026-00049": "20000.00"}),
    auto("2000.00", "500100732259", "Остаток за поддержку", {"HD-2026-00050": "2000.00"}),
    auto("36000.00", "7728168971", "Оплата за ИТС на год", {"HD-2026-00007": "36000.00"}),
    # Ukrainian and English wording
    auto("20000.00", "32855961", "Оплата за рахунком № HD-2026-00049 за послуги підтримки",
         {"HD-2026-00049": "20000.00"}),
    auto("20000.00", "32855961", "Оплата згідно рах. 49, без ПДВ", {"HD-2026-00049": "20000.00"}),
    auto("20000.00", "32855961", "Payment for invoice no. 49, support services", {"HD-2026-00049": "20000.00"}),
    # a third party (the holding, an owner) pays: only with the number and the exact amount
    auto("18000.00", PARENT_INN, "Оплата за ООО «Ромашка» по счету HD-2026-00052", {"HD-2026-00052": "18000.00"}),
    auto("6000.00", PARENT_INN, "За ООО Ромашка по сч. HD-2026-00053. НДС нет", {"HD-2026-00053": "6000.00"}),
    auto("18000.00", "7707083894", "Оплата по счету HD-2026-00052", {"HD-2026-00052": "18000.00"}),  # INN typo
    person("10000.00", PARENT_INN, "Оплата за ООО «Ромашка» по счету HD-2026-00052", attributable=True),
    auto("18000.00", PARENT_INN, "Оплата за Ромашку по счету 52", {"HD-2026-00052": "18000.00"}),
    # the number is wrong, but the payer has exactly one open invoice of exactly this amount
    auto("7500.50", "7736207543", "Оплата по счету 41", {"HD-2026-00043": "7500.50"}),
    auto("6000.00", "7707083893", "Оплата по счету HD-2026-00048", {"HD-2026-00053": "6000.00"}),  # the reissue
    auto("3000.00", "7736207543", "Оплата счета HD-2026-00042", {"HD-2025-00042": "3000.00"}),
    # a contract's or an act's number is not an invoice's
    auto("4500.00", "500100732259", "Оплата по договору № 46 от 01.02.2026", {"HD-2026-00046": "4500.00"}),
    auto("12000.00", "7736207543", "Оплата по акту № 43 за октябрь", {"HD-2026-00044": "12000.00"}),
    # a person decides: the rules cannot know
    person("30000.00", "7702070139", "Оплата за ИТС"),                              # two open invoices of 30 000
    person("15000.00", "7707083893", "Оплата за поддержку"),                        # two open invoices of 15 000
    person("9000.00", "7702070139", "Оплата по счету HD-2026-00047"),              # already paid: twice?
    person("9000.00", "7702070139", "Повторная оплата сч. 47"),
    person("12345.00", "7707083893", "Оплата по договору"),                         # no invoice of this amount
    auto("5000.00", "7736207543", "Оплата сч. 44 частично", {"HD-2026-00044": "5000.00"}),
    person("100.00", "7701234567", "Дорогому Poster"),
    person("1500.00", "7709999999", "Возврат займа по договору 12/3"),
    person("50000.00", OWN_INN, "Перевод собственных средств"),
    person("700.00", "", "Зачисление процентов на остаток"),
    person("2500.00", "7735555555", "Оплата по счету 999 от 01.11.2026"),
    person("15000.00", "7709876543", "Оплата по счету 42"),                         # a stranger, a bare number
    person("45000.00", "7702070139", "Оплата счетов 45 и 47"),                       # 47 is paid already
    person("3000.00", "7702070139", "Оплата по счету HD-2026-00043"),                # another client's, other sum
    person("18000.00", "7708888888", "Оплата по счету HD-2026-00041 и HD-2026-00043"),  # two clients' invoices
    person("1.00", "7707083893", "Проверка реквизитов"),
    # an unknown number, but the payer has exactly one open invoice of exactly this amount
    auto("6000.00", "7707083893", "Оплата сч. 1000", {"HD-2026-00053": "6000.00"}),
]

CASES: list[Case] = _style_cases() + SPECIAL
