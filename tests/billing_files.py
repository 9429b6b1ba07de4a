"""Bank statement files as banks write them, built for tests and benchmarks (1CClientBankExchange
in Windows-1251 or UTF-8 with CRLF or LF, and camt.053 XML)."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

#: our company in the tests: the payee of incoming payments
OUR_INN = "7704340310"
OUR_ACCOUNT = "40702810200000000001"
OUR_BIK = "044525225"
#: our company's billing profile in the tests (a real INN, an account whose control digit fits the BIK)
BILLING_PROFILE = dict(legal_name="ООО «Часы поддержки»", inn=OUR_INN, kpp="770401001", ogrn="1027700132195",
                       address="119019, Москва, ул. Новый Арбат, д. 1", bank_name="ПАО Сбербанк", bik=OUR_BIK,
                       account=OUR_ACCOUNT, corr_account="30101810400000000225", currency="RUB", vat="22",
                       signer="Иванов И. И.", invoice_prefix="HD", payment_days=5)


@dataclass
class Doc:
    amount: str
    purpose: str
    payer_inn: str = "7707083893"
    payer_name: str = "ООО «Ромашка»"
    number: str = "101"
    day: date = date(2026, 11, 27)
    payer_account: str = "40702810100000000111"
    payee_account: str = OUR_ACCOUNT
    payee_inn: str = OUR_INN
    #: write the purpose over НазначениеПлатежа1..n instead of one key
    split_purpose: bool = False
    #: leave the optional keys out (КПП, БИК, ДатаПоступило, names)
    minimal: bool = False


def one_c(docs: list[Doc], *, encoding: str = "Windows", newline: str = "\r\n", end: bool = True,
          account: str = OUR_ACCOUNT) -> bytes:
    codec = {"Windows": "cp1251", "UTF-8": "utf-8", "DOS": "cp866"}[encoding]
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", f"Кодировка={encoding}", "Отправитель=Бухгалтерия",
             "Получатель=", "ДатаСоздания=28.11.2026", "ВремяСоздания=09:15:00", "ДатаНачала=27.11.2026",
             "ДатаКонца=27.11.2026", f"РасчСчет={account}", "СекцияРасчСчет", "ДатаНачала=27.11.2026",
             "ДатаКонца=27.11.2026", f"РасчСчет={account}", "НачальныйОстаток=1000.00", "ВсегоПоступило=0.00",
             "ВсегоСписано=0.00", "КонечныйОстаток=1000.00", "КонецРасчСчет"]
    for doc in docs:
        lines += ["СекцияДокумент=Платежное поручение", f"Номер={doc.number}", f"Дата={doc.day:%d.%m.%Y}",
                  f"Сумма={doc.amount}", f"ПлательщикСчет={doc.payer_account}", f"ПлательщикИНН={doc.payer_inn}",
                  f"ПолучательСчет={doc.payee_account}", f"ПолучательИНН={doc.payee_inn}"]
        if not doc.minimal:
            lines += [f"Плательщик=ИНН {doc.payer_inn} {doc.payer_name}", f"Плательщик1={doc.payer_name}",
                      "ПлательщикКПП=770701001", "ПлательщикБИК=044525593", "Получатель1=ООО Часы поддержки",
                      f"ДатаПоступило={doc.day:%d.%m.%Y}", "ВидОплаты=01", "Очередность=5"]
        if doc.split_purpose:
            half = doc.purpose.rfind(" ", 0, len(doc.purpose) // 2 + 1)   # banks wrap at a space
            lines += [f"НазначениеПлатежа1={doc.purpose[:half]}", f"НазначениеПлатежа2={doc.purpose[half + 1:]}"]
        else:
            lines.append(f"НазначениеПлатежа={doc.purpose}")
        lines.append("КонецДокумента")
    if end:
        lines.append("КонецФайла")
    return (newline.join(lines) + newline).encode(codec)


def camt053(docs: list[Doc], *, account: str = OUR_ACCOUNT, outgoing: tuple[int, ...] = ()) -> bytes:
    entries = []
    for i, doc in enumerate(docs):
        direction = "DBIT" if i in outgoing else "CRDT"
        entries.append(f"""
      <Ntry>
        <Amt Ccy="RUB">{doc.amount}</Amt>
        <CdtDbtInd>{direction}</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{doc.day.isoformat()}</Dt></BookgDt>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>{escape(doc.number)}</EndToEndId></Refs>
          <RltdPties>
            <Dbtr><Nm>{escape(doc.payer_name)}</Nm>
              <Id><OrgId><Othr><Id>{doc.payer_inn}</Id><SchmeNm><Cd>TXID</Cd></SchmeNm></Othr></OrgId></Id></Dbtr>
            <DbtrAcct><Id><Othr><Id>{doc.payer_account}</Id></Othr></Id></DbtrAcct>
            <Cdtr><Nm>ООО «Часы поддержки»</Nm>
              <Id><OrgId><Othr><Id>{doc.payee_inn}</Id><SchmeNm><Cd>TXID</Cd></SchmeNm></Othr></OrgId></Id></Cdtr>
            <CdtrAcct><Id><Othr><Id>{doc.payee_account}</Id></Othr></Id></CdtrAcct>
          </RltdPties>
          <RltdAgts><DbtrAgt><FinInstnId><ClrSysMmbId><ClrSysId><Cd>RUCBC</Cd></ClrSysId>
            <MmbId>044525593</MmbId></ClrSysMmbId></FinInstnId></DbtrAgt></RltdAgts>
          <RmtInf><Ustrd>{escape(doc.purpose)}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2026-11-28T09:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>1</Id>
      <FrToDt><FrDtTm>2026-11-27T00:00:00</FrDtTm><ToDtTm>2026-11-27T23:59:59</ToDtTm></FrToDt>
      <Acct><Id><Othr><Id>{account}</Id></Othr></Id><Ccy>RUB</Ccy></Acct>{"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()


def amount(value: str) -> Decimal:
    return Decimal(value)
