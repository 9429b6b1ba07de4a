"""Manager reports against figures computed by hand on a small fixed history (October 2026, office
time Europe/Moscow). The same tests run on PostgreSQL in the second pass of `make test`.

The history (MSK times):
  engineers Анна (E1), Борис (E2), Вера (E3, no work at all)
  clients   Альфа (C1, 10 h/month), Бета (C2, 0.5 h/month, overage at 2000/h), Гамма (C3, 20 h/month,
            only free updates), Дельта (C4, a contract that ended in August)
  tickets   T1 C1 normal  01.10 00:00 (first minute of the period)   T2 C1 low 30.09 23:58 (outside)
            T3 C2 high    10.10 10:00   T4 C2 critical 20.10 09:00   T5 C3 normal 05.10 09:00
            T6 C4 normal  01.11 10:00 (outside)   T7 C1 normal 31.10 23:30 (last minutes)   T8 C3 low 15.10 (cancelled)
  lines     T1: E1 SUP 60 (1.10), E2 DEV 90 (15.10) · T2: E1 SUP 30 (30.09, outside), E1 SUP 45 (31.10)
            T3: E2 SUP 300 (10.10), E1 ONS 120 (11.10) · T4: E2 SUP 240 (20.10) · T5: E1 UPD 120 (5.10),
            E2 UPD 60 (6.10) · T6: E2 SUP 30 (1.11, outside)
"""
import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from app.contracts.models import ClientBalance, Contract, HourLot, LedgerEntry, Service, SpecLine, TicketClose
from app.contracts.operations import contract_period
from app.reports.queries import Filters, Period
from app.tickets.models import Ticket, TicketRating

MSK = ZoneInfo("Europe/Moscow")
OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MSK)


@pytest.fixture
def history(db, make):
    e1, e2, e3 = make.user("engineer", name="Анна"), make.user("engineer", name="Борис"), make.user("engineer", name="Вера")
    c1, c2, c3, c4 = (make.client(name=n) for n in ("Альфа", "Бета", "Гамма", "Дельта"))
    services = {code: Service(code=code, name_ru=code, name_en=code, billing=billing, kind=kind,
                              rate=Decimal("3000") if billing == "paid" else None)
                for code, billing, kind in (("SUP", "hourly", "support"), ("ONS", "hourly", "onsite"),
                                            ("DEV", "paid", "development"), ("UPD", "free", "update"))}
    db.session.add_all(services.values())

    def contract(client, number, starts, months, per_month, rate="0"):
        ends_on, valid_from, expires_at = contract_period(starts, months, "Europe/Moscow")
        c = Contract(client_id=client.id, number=number, starts_on=starts, months=months, ends_on=ends_on,
                     minutes_per_month=per_month, overage_rate=Decimal(rate))
        db.session.add(c)
        db.session.flush()
        lot = HourLot(client_id=client.id, contract_id=c.id, source="grant", granted_minutes=per_month * months,
                      valid_from=valid_from, expires_at=expires_at, remaining_minutes=0)
        db.session.add(lot)
        db.session.flush()
        return c, lot

    _, lot1 = contract(c1, "C1", date(2026, 1, 1), 12, 600)
    _, lot2 = contract(c2, "C2", date(2026, 1, 1), 12, 30, rate="2000")
    _, lot3 = contract(c3, "C3", date(2026, 1, 1), 12, 1200)
    _, lot4 = contract(c4, "C4", date(2026, 8, 1), 1, 600)

    def ticket(client, priority, created, **kw):
        t = Ticket(client_id=client.id, subject=f"{client.name} {created}", subject_search="x", priority=priority,
                   created_at=at(created), updated_at=at(created), status=kw.pop("status", "closed"),
                   **{k: (at(v) if isinstance(v, str) else v) for k, v in kw.items()})
        db.session.add(t)
        db.session.flush()
        return t

    t1 = ticket(c1, "normal", "2026-10-01 00:00", response_due_at="2026-10-01 10:00", acknowledged_at="2026-10-01 09:00",
                resolution_due_at="2026-10-02 18:00", resolved_at="2026-10-02 12:00")
    t2 = ticket(c1, "low", "2026-09-30 23:58", response_due_at="2026-10-01 12:00", acknowledged_at="2026-10-01 11:00",
                resolution_due_at="2026-10-05 18:00", resolved_at="2026-10-03 12:00")
    t3 = ticket(c2, "high", "2026-10-10 10:00", response_due_at="2026-10-10 11:00", acknowledged_at="2026-10-10 12:00",
                resolution_due_at="2026-10-10 14:00", resolved_at="2026-10-10 13:00")
    t4 = ticket(c2, "critical", "2026-10-20 09:00", response_due_at="2026-10-20 09:15",
                acknowledged_at="2026-10-20 09:10", resolution_due_at="2026-10-20 11:00", resolved_at="2026-10-20 15:00")
    t5 = ticket(c3, "normal", "2026-10-05 09:00", status="in_progress", response_due_at="2026-10-05 10:00",
                acknowledged_at="2026-10-05 11:00", resolution_due_at="2026-10-06 18:00")
    t6 = ticket(c4, "normal", "2026-11-01 10:00", status="in_progress")
    ticket(c1, "normal", "2026-10-31 23:30", status="open", response_due_at="2099-12-31 10:00",
           resolution_due_at="2099-12-31 18:00")
    ticket(c3, "low", "2026-10-15 09:00", status="cancelled", response_due_at="2026-10-15 12:00",
           acknowledged_at="2026-10-15 10:00", resolution_due_at="2026-10-20 18:00")

    for t, engineer, code, minutes, day in ((t1, e1, "SUP", 60, "2026-10-01"), (t1, e2, "DEV", 90, "2026-10-15"),
                                            (t2, e1, "SUP", 30, "2026-09-30"), (t2, e1, "SUP", 45, "2026-10-31"),
                                            (t3, e2, "SUP", 300, "2026-10-10"), (t3, e1, "ONS", 120, "2026-10-11"),
                                            (t4, e2, "SUP", 240, "2026-10-20"), (t5, e1, "UPD", 120, "2026-10-05"),
                                            (t5, e2, "UPD", 60, "2026-10-06"), (t6, e2, "SUP", 30, "2026-11-01")):
        service = services[code]
        db.session.add(SpecLine(ticket_id=t.id, client_id=t.client_id, service_id=service.id, engineer_id=engineer.id,
                                minutes=minutes, billing=service.billing, performed_on=date.fromisoformat(day)))

    def close(t, when, hourly, debited, overage=0, amount="0", **kw):
        c = TicketClose(ticket_id=t.id, client_id=t.client_id, closed_at=at(when), hourly_minutes=hourly,
                        debited_minutes=debited, overage_minutes=overage, overage_amount=Decimal(amount), **kw)
        db.session.add(c)
        db.session.flush()
        return c

    def entry(client, lot, kind, minutes, when, **kw):
        db.session.add(LedgerEntry(client_id=client.id, lot_id=lot.id, kind=kind, minutes=minutes, created_at=at(when), **kw))

    entry(c1, lot1, "grant", 7200, "2026-09-30 23:30")          # just before the period
    entry(c2, lot2, "grant", 360, "2026-10-01 00:00")           # its first instant
    entry(c3, lot3, "grant", 14400, "2026-10-10 12:00")
    entry(c4, lot4, "grant", 600, "2026-08-01 00:00")
    entry(c4, lot4, "expiry", -600, "2026-10-02 00:05")
    entry(c3, lot3, "adjustment", 120, "2026-10-12 10:00", reason="подарок")
    k1 = close(t1, "2026-10-02 12:00", 60, 60)
    entry(c1, lot1, "debit", -60, "2026-10-02 12:00", close_id=k1.id, ticket_id=t1.id)
    k2 = close(t2, "2026-10-03 12:00", 75, 75, reversed_at=at("2026-10-05 10:00"))
    entry(c1, lot1, "debit", -75, "2026-10-03 12:00", close_id=k2.id, ticket_id=t2.id)
    entry(c1, lot1, "reversal", 75, "2026-10-05 10:00", close_id=k2.id, ticket_id=t2.id)
    k2b = close(t2, "2026-10-06 12:00", 75, 75)
    entry(c1, lot1, "debit", -75, "2026-10-06 12:00", close_id=k2b.id, ticket_id=t2.id)
    k3 = close(t3, "2026-10-10 13:30", 420, 360, overage=60, amount="2000.00", overage_waived_by_id=e2.id,
               overage_waived_reason="первый раз")
    entry(c2, lot2, "debit", -360, "2026-10-10 13:30", close_id=k3.id, ticket_id=t3.id)
    close(t4, "2026-10-20 15:30", 240, 0, overage=240, amount="8000.00")
    for lot, client in ((lot1, c1), (lot2, c2), (lot3, c3), (lot4, c4)):
        db.session.flush()
        total = sum(e.minutes for e in db.session.query(LedgerEntry).filter_by(lot_id=lot.id))
        lot.remaining_minutes = total
        db.session.add(ClientBalance(client_id=client.id, balance_minutes=total))
    for t, rating, when in ((t1, 5, "2026-10-03 10:00"), (t3, 2, "2026-10-26 10:00"), (t4, 4, "2026-10-27 10:00"),
                            (t2, 1, "2026-09-30 23:59")):
        db.session.add(TicketRating(ticket_id=t.id, rating=rating, rated_at=at(when)))
    db.session.commit()

    class History:
        pass
    h = History()
    h.e1, h.e2, h.e3, h.c1, h.c2, h.c3, h.c4 = e1, e2, e3, c1, c2, c3, c4
    h.t3, h.t4, h.t5 = t3, t4, t5
    return h


@pytest.fixture
def manager(make, login):
    return login(make.user("manager", name="Менеджер"))


def _csv_raw(web, name, table=None, **args) -> list[dict]:
    response = web.get(f"/reports/{name}/export.csv", query_string={**OCTOBER, **args, **({"table": table} if table else {})})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _minutes(text: str) -> str:
    hours, mins = text.lstrip("-").split(":")
    return ("-" if text.startswith("-") else "") + str(int(hours) * 60 + int(mins))


def _csv(web, name, table=None, **args) -> list[dict]:
    """The export with its h:mm columns read back as minutes (the assertions below count minutes)."""
    return [{(k[:-len(" (h:mm)")] + " (min)" if k.endswith(" (h:mm)") else k):
             (_minutes(v) if k.endswith(" (h:mm)") and v else v) for k, v in row.items()}
            for row in _csv_raw(web, name, table, **args)]


def _page_rows(html: str, table: str) -> list[dict]:
    section = re.search(rf'<section class="mb-4 report-table" id="table-{table}".*?</section>', html, re.S).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", section, re.S).group(1)
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r'<td[^>]*data-key="(\w+)"[^>]*>(.*?)</td>', tr, re.S)
        rows.append({k: re.sub(r"<[^>]+>", "", v).strip() for k, v in cells})
    return rows


def test_utilisation_by_engineer(history, client, manager):
    rows = {r["Engineer"]: r for r in _csv(client, "engineers")}
    assert set(rows) == {"Анна", "Борис", "Вера"}
    # Анна: SUP 60 + SUP 45 (31.10) + ONS 120 hourly, UPD 120 free; tickets T1 T2 T3 T5; the 30.09 line is outside
    assert [rows["Анна"][k] for k in ("Hourly (min)", "Paid (min)", "Free (min)", "Logged (min)", "Tickets")] == \
        ["225", "0", "120", "345", "4"]
    assert [rows["Борис"][k] for k in ("Hourly (min)", "Paid (min)", "Free (min)", "Logged (min)", "Tickets")] == \
        ["540", "90", "60", "690", "4"]
    assert [rows["Вера"][k] for k in ("Logged (min)", "Tickets")] == ["0", "0"]
    # October 2026 has 22 working days (no Russian holidays in it): 22 × 8 h = 10,560 minutes
    assert {r["Working time (min)"] for r in rows.values()} == {"10560"}
    assert (rows["Анна"]["Share of working time (%)"], rows["Борис"]["Share of working time (%)"]) == ("3.3", "6.5")


def test_utilisation_by_engineer_and_week(history, client, manager):
    rows = [(r["Week (Monday)"], r["Engineer"], r["Hourly (min)"], r["Free (min)"], r["Working time (min)"])
            for r in _csv(client, "engineers", table="engineer_periods", grain="week")]
    anna = [r for r in rows if r[1] == "Анна"]
    # 1.10 is a Thursday: its week starts on 28.09 and holds two working days of the period
    assert anna == [("2026-09-28", "Анна", "60", "0", "960"), ("2026-10-05", "Анна", "120", "120", "2400"),
                    ("2026-10-26", "Анна", "45", "0", "2400")]
    months = _csv(client, "engineers", table="engineer_periods", grain="month")
    assert {(r["Month"], r["Engineer"], r["Logged (min)"]) for r in months} == \
        {("2026-10", "Анна", "345"), ("2026-10", "Борис", "690")}
    days = _csv(client, "engineers", table="engineer_periods", grain="day")
    assert ("2026-10-31", "Анна", "45") in {(r["Day"], r["Engineer"], r["Hourly (min)"]) for r in days}


def test_by_client(history, client, manager):
    rows = _csv(client, "clients")
    assert [r["Client"] for r in rows] == ["Бета", "Альфа", "Гамма", "Дельта"]   # by work done
    by = {r["Client"]: r for r in rows}
    keys = ("Granted (min)", "Debited (min)", "Expired (min)", "Hourly work (min)", "Paid work (min)",
            "Free work (min)", "Overage (min)", "Overage, money", "Tickets", "Avg. resolution (min)",
            "Response SLA met (%)", "Resolution SLA met (%)", "CSAT", "Ratings")
    figures = {name: [by[name][k] for k in keys] for name in by}
    # Альфа: its grant came a minute before the period; 60 + 75 − 75 + 75 debited; T2 resolved in October
    # after (2160 + 3602) / 2 minutes on average with T1
    assert figures["Альфа"] == ["0", "135", "0", "105", "90", "0", "0", "0.00", "2", "2881", "100.0", "100.0",
                                "5.0", "1"]
    # Бета: T3's overage is waived, T4's 240 minutes at 2000/h are billed
    assert figures["Бета"] == ["360", "360", "0", "660", "0", "0", "240", "8000.00", "2", "270", "50.0", "50.0",
                               "3.0", "2"]
    # Гамма: only free updates; T5 missed both deadlines, the cancelled T8 has no resolution outcome
    assert figures["Гамма"] == ["14400", "0", "0", "0", "0", "180", "0", "0.00", "2", "", "50.0", "0.0", "", "0"]
    assert figures["Дельта"] == ["0", "0", "600", "0", "0", "0", "0", "0.00", "0", "", "", "", "", "0"]


def test_difficult_clients(history, client, manager):
    rows = _csv(client, "difficult")
    # Бета: 660 of 1035 logged minutes (63.77 %) against 30 of 1830 prepaid minutes a month (1.64 %)
    assert [(r["Client"], r["Logged (min)"], r["Share of minutes (%)"], r["Share of contract value (%)"],
             r["Times their share"]) for r in rows] == [("Бета", "660", "63.77", "1.64", "38.9")]
    by_tickets = _csv(client, "difficult", basis="tickets")
    assert [(r["Client"], r["Share of tickets (%)"], r["Times their share"]) for r in by_tickets] == \
        [("Бета", "40.0", "24.4")]
    # a ratio below 1 is no "far exceeds": the default (2) applies, so Альфа (0.57 ×) stays out
    assert [r["Client"] for r in _csv(client, "difficult", ratio="0.5")] == ["Бета"]
    # a higher bar on the share of the whole: Бета's 63.77 % passes 60, fails 70
    assert [r["Client"] for r in _csv(client, "difficult", ratio="1", min_share="60")] == ["Бета"]
    assert _csv(client, "difficult", ratio="1", min_share="70") == []
    page = client.get("/reports/difficult", query_string=OCTOBER).get_data(as_text=True)
    assert "at least 2 times" in page and f'href="/clients/{history.c2.id}"' in page


def test_pays_but_only_uses_updates(history, client, manager):
    rows = _csv(client, "updates")
    # Гамма: 180 of 180 minutes are free updates, no hourly work of 1200 × 31 / 30.4375 = 1222 prepaid minutes
    assert [(r["Client"], r["Logged (min)"], r["Free updates (min)"], r["Updates share (%)"], r["Hourly work (min)"],
             r["Prepaid for the period (min)"], r["Prepaid hours used (%)"], r["Balance now (min)"]) for r in rows] == \
        [("Гамма", "180", "180", "100.0", "0", "1222", "0.0", "14520")]
    assert _csv(client, "updates", update_share="100.0", hourly_share="0") != []
    assert _csv(client, "updates", hourly_share="-5")[0]["Client"] == "Гамма"    # out of range: the default


def test_sla_compliance_and_breaches(history, client, manager):
    rows = {r["Priority"]: r for r in _csv(client, "sla")}
    assert {r["Month"] for r in rows.values()} == {"2026-10"}
    figures = {p: (r["Tickets"], r["Response met (%)"], r["Resolution met (%)"]) for p, r in rows.items()}
    assert figures == {"normal": ("3", "50.0", "50.0"), "high": ("1", "0.0", "100.0"),
                       "critical": ("1", "100.0", "0.0"), "low": ("1", "100.0", "")}
    breaches = _csv(client, "sla", table="breaches")
    assert [(r["Ticket"].split()[0], r["Breached"]) for r in breaches] == [
        (f"#{history.t4.id}", "resolution"), (f"#{history.t3.id}", "response"),
        (f"#{history.t5.id}", "response, resolution")]


def test_trends(history, client, manager):
    rows = _csv(client, "trends", **{"from": "2026-09-01", "to": "2026-11-30"})
    assert [(r["Month"], r["Hourly (min)"], r["Paid (min)"], r["Free (min)"], r["Tickets registered"]) for r in rows] == [
        ("2026-09", "30", "0", "0", "1"), ("2026-10", "765", "90", "180", "6"), ("2026-11", "30", "0", "0", "1")]
    page = client.get("/reports/trends", query_string={"from": "2026-09-01", "to": "2026-11-30"}).get_data(as_text=True)
    assert page.count("<svg") == 2
    assert 'data-month="2026-10" data-series="hourly" data-value="765"' in page


def test_filters_by_engineer_and_client(history, client, manager):
    rows = _csv(client, "engineers", engineer_id=str(history.e1.id))
    assert [(r["Engineer"], r["Logged (min)"]) for r in rows] == [("Анна", "345")]
    rows = _csv(client, "clients", **{"client": history.c2.inn})
    assert [r["Client"] for r in rows] == ["Бета"]
    rows = _csv(client, "engineers", client_id=str(history.c2.id))
    assert {(r["Engineer"], r["Logged (min)"]) for r in rows} == {("Борис", "540"), ("Анна", "120")}


@pytest.mark.parametrize("args, field", [({"from": "2026-13-01"}, "from"), ({"to": "вчера"}, "to"),
                                         ({"from": "2026-10-31", "to": "2026-10-01"}, "to"),
                                         ({"from": "2000-01-01", "to": "2026-10-01"}, "to"),
                                         ({"engineer_id": "999999"}, "engineer_id"), ({"client": "123"}, "client")])
def test_bad_filters_are_a_clear_error(history, client, manager, args, field):
    response = client.get("/reports/clients", query_string=args)
    assert response.status_code == 422
    assert 'id="filter-error"' in response.get_data(as_text=True)
    assert client.get("/reports/clients/export.csv", query_string=args).status_code == 400


def test_exports_match_the_page(history, client, manager):
    for name, table in (("engineers", "engineers"), ("clients", "clients"), ("sla", "sla"), ("difficult", "difficult"),
                        ("updates", "updates_only")):
        html = client.get(f"/reports/{name}", query_string=OCTOBER).get_data(as_text=True)
        page = _page_rows(html, table)
        assert page, (name, html[:3000])
        exported = _csv_raw(client, name, table=table)
        book = load_workbook(io.BytesIO(client.get(f"/reports/{name}/export.xlsx",
                                                   query_string={**OCTOBER, "table": table}).data))
        sheet = list(book.active.iter_rows(values_only=True))
        assert len(page) == len(exported) == len(sheet) - 1, name
        header = list(sheet[0])
        assert header == list(exported[0].keys()), name
        assert not [h for h in header if "(min)" in h], name        # hours:minutes, not minutes
        for shown, row, cells in zip(page, exported, sheet[1:], strict=True):
            for column, value in row.items():
                cell = cells[header.index(column)]
                if column.endswith("(h:mm)") and cell is not None:
                    # XLSX: a duration (days, shown [h]:mm); CSV: the same as h:mm text
                    minutes = cell.total_seconds() / 60 if hasattr(cell, "total_seconds") else cell * 1440
                    assert round(minutes) == int(_minutes(value)), (name, column)
                else:
                    assert ("" if cell is None else str(cell)) == value or float(cell) == float(value), (name, column)
            # minutes on the page are h:mm, and the export says the same
            for key, text in shown.items():
                if text.count(":") == 1 and text.replace(":", "").replace("−", "").isdigit():
                    durations = [v.lstrip("-") for k, v in row.items() if k.endswith("(h:mm)")]
                    assert text.lstrip("−") in durations, (name, key)


def test_sorting_a_table(history, client, manager):
    html = client.get("/reports/clients", query_string={**OCTOBER, "sort": "tickets", "dir": "asc"}).get_data(as_text=True)
    names = [r["client"] for r in _page_rows(html, "clients")]
    assert names[0] == "Дельта"
    html = client.get("/reports/clients", query_string={**OCTOBER, "sort": "csat", "dir": "desc"}).get_data(as_text=True)
    assert [r["client"] for r in _page_rows(html, "clients")][:2] == ["Альфа", "Бета"]   # blanks last


def test_api_utilisation(history, api, make):
    boss = api(make.user("manager"))
    response = boss.get("/api/v1/reports/utilisation", query_string={**OCTOBER, "group": "engineer"})
    assert response.status_code == 200
    items = {i["name"]: i for i in response.json["items"]}
    assert items["Борис"] == {"key": history.e2.id, "name": "Борис", "hourly_minutes": 540, "paid_minutes": 90,
                              "free_minutes": 60, "tickets": 4}
    assert items["Вера"]["tickets"] == 0
    by_client = boss.get("/api/v1/reports/utilisation", query_string={**OCTOBER, "group": "client"}).json["items"]
    assert [(i["name"], i["hourly_minutes"], i["paid_minutes"], i["free_minutes"], i["tickets"]) for i in by_client] == \
        [("Бета", 660, 0, 0, 2), ("Альфа", 105, 90, 0, 2), ("Гамма", 0, 0, 180, 1)]
    for bad in ({"from": "2026-10-01"}, {**OCTOBER, "group": "team"}, {"from": "x", "to": "2026-10-01"},
                {"from": "2026-10-31", "to": "2026-10-01"}):
        response = boss.get("/api/v1/reports/utilisation", query_string=bad)
        assert response.status_code == 422 and response.json["error"]["code"] == "validation_failed"
    assert api(make.user("engineer")).get("/api/v1/reports/utilisation", query_string=OCTOBER).status_code == 403
    assert api(None).get("/api/v1/reports/utilisation", query_string=OCTOBER).status_code == 401


def test_period_months_follow_office_time():
    period = Period(date(2026, 10, 15), date(2026, 12, 3), MSK)
    assert [(label, s.isoformat(), e.isoformat()) for label, s, e in period.months()] == [
        ("2026-10", "2026-10-15T00:00:00+03:00", "2026-11-01T00:00:00+03:00"),
        ("2026-11", "2026-11-01T00:00:00+03:00", "2026-12-01T00:00:00+03:00"),
        ("2026-12", "2026-12-01T00:00:00+03:00", "2026-12-04T00:00:00+03:00")]
    assert Filters() == Filters(None, None)


@pytest.mark.parametrize("report", ["clients", "difficult", "updates", "sla"])
def test_a_report_over_thousands_of_clients_reads_names_whole(history, client, manager, monkeypatch, report):
    """Past IN_LIST_AT_MOST clients a report reads names, INNs and balances for the whole table
    instead of binding every id: the same figures either way."""
    from app.reports import queries as report_queries
    listed = _csv(client, report)
    monkeypatch.setattr(report_queries, "IN_LIST_AT_MOST", 1)
    assert _csv(client, report) == listed


def test_report_links_are_the_urls_flask_builds(app):
    """A month's report links up to 30,000 clients: the URL is built once and each id put into it,
    which must give what url_for gives."""
    from flask import url_for

    from app.reports.queries import _link_to
    with app.test_request_context():
        to_client, to_ticket = _link_to("clients.detail", "client_id"), _link_to("tickets.detail", "ticket_id")
        for value in (1, 7, 98765, 9876543210, 2**62):
            assert to_client(value) == url_for("clients.detail", client_id=value)
            assert to_ticket(value) == url_for("tickets.detail", ticket_id=value)
