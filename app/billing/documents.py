"""Invoices and acts as PDF documents (WeasyPrint), with the amount in words (num2words) and the
payment QR code of ГОСТ Р 56042-2014 (segno)."""
from decimal import Decimal

import segno
from flask import Response, render_template
from flask_babel import force_locale
from num2words import num2words

from app.billing.models import Act, BillingProfile, ClientBilling, Invoice
from app.core.errors import DomainError

CURRENCY_WORDS = {"RUB": "RUB", "UAH": "UAH"}


class PdfUnavailable(DomainError):
    status = 503
    code = "pdf_unavailable"


def _render_pdf(html: str) -> bytes:
    # imported here: WeasyPrint loads Pango when imported, and the rest of Hourdesk runs without it
    try:
        from weasyprint import HTML
    except OSError as exc:
        raise PdfUnavailable("PDF documents need Pango and a Cyrillic font on the server "
                             "(Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core): "
                             f"{exc}") from None
    return HTML(string=html).write_pdf()


def amount_in_words(amount: Decimal, currency: str = "RUB", lang: str = "ru") -> str:
    """«Двенадцать тысяч триста сорок пять рублей 67 копеек»: the whole units in words, the
    kopecks in figures, as Russian and Ukrainian documents write it."""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    units, cents = divmod(int(amount * 100), 100)
    words = num2words(Decimal(units), lang=lang, to="currency", currency=CURRENCY_WORDS[currency])
    # num2words says "… рублей, ноль копеек": keep the units, write the kopecks as figures
    words = words.split(",")[0].strip()
    cents_word = num2words(Decimal(cents) / 100, lang=lang, to="currency", currency=CURRENCY_WORDS[currency])
    cents_word = cents_word.split(",")[-1].strip().split(" ")[-1]
    return f"{words[:1].upper()}{words[1:]} {cents:02d} {cents_word}"


def _qr_value(value: str) -> str:
    # the separator may not appear inside a value
    return " ".join(str(value or "").replace("|", " ").split())


def payment_qr_payload(profile: BillingProfile, invoice: Invoice, purpose: str) -> str:
    """ST00012|Name=…|PersonalAcc=…|BankName=…|BIC=…|CorrespAcc=…|Sum=<kopecks>|Purpose=…|PayeeINN=…"""
    fields = [("Name", profile.legal_name), ("PersonalAcc", profile.account), ("BankName", profile.bank_name),
              ("BIC", profile.bik), ("CorrespAcc", profile.corr_account or "0"),
              ("Sum", str(int(invoice.open_amount * 100) or int(invoice.total * 100))), ("Purpose", purpose),
              ("PayeeINN", profile.inn)]
    if profile.kpp:
        fields.append(("KPP", profile.kpp))
    return "ST00012|" + "|".join(f"{key}={_qr_value(value)}" for key, value in fields)


def payment_purpose(invoice: Invoice, profile: BillingProfile) -> str:
    vat = (f"в т.ч. НДС {profile_rate(invoice)}% — {invoice.vat_amount}" if invoice.vat_rate
           else "НДС не облагается")
    return f"Оплата по счету {invoice.number} от {invoice.issued_on:%d.%m.%Y}. {vat}"


def profile_rate(document) -> str:
    return format(document.vat_rate.normalize(), "f") if document.vat_rate is not None else ""


def invoice_pdf(invoice: Invoice, profile: BillingProfile, details: ClientBilling) -> bytes:
    """The invoice as the client receives it: both parties, lines, VAT or «Без НДС», the total and
    the amount in words, the purpose to copy and the payment QR code."""
    purpose = payment_purpose(invoice, profile)
    # a fixed mask pattern: any of the eight reads the same, and choosing the "best" costs 15 ms
    qr = segno.make(payment_qr_payload(profile, invoice, purpose), error="m", encoding="utf-8", mask=0, micro=False)
    lang = "uk" if invoice.currency == "UAH" else "ru"
    with force_locale("ru"):
        html = render_template("billing/pdf/invoice.html", invoice=invoice, profile=profile, details=details,
                               purpose=purpose, qr=qr.png_data_uri(scale=4, border=2),
                               words=amount_in_words(invoice.total, invoice.currency, lang), rate=profile_rate(invoice))
    return _render_pdf(html)


def act_pdf(act: Act, profile: BillingProfile, details: ClientBilling) -> bytes:
    """The act of completed work: the parties (a postal address or a phone never), the services of
    the month, the total in words, places for both signatures."""
    lang = "uk" if act.currency == "UAH" else "ru"
    with force_locale("ru"):
        html = render_template("billing/pdf/act.html", act=act, profile=profile, details=details,
                               words=amount_in_words(act.total, act.currency, lang), rate=profile_rate(act))
    return _render_pdf(html)


def pdf_response(attachment: tuple[str, str, bytes]) -> Response:
    """A rendered document (filename, type, bytes) for the browser: shown inline, never cached."""
    filename, content_type, content = attachment
    return Response(content, mimetype=content_type, headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, no-store"})
