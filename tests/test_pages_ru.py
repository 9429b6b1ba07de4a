"""Every page in Russian (issue 12): a Russian reader sees no raw English value of an enumeration
(statuses, priorities, roles, billing kinds, ledger kinds, weekdays, units), and no page uses an
element id twice. The pages are walked from the URL map, so a new page is walked too."""
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.billing.models import Act, BankStatement, Invoice, Payment
from app.clients.models import Client
from app.contracts.models import Contract, Service, TicketClose
from app.demo import DEMO_PASSWORD, demo_cli
from app.extensions import db as _db
from app.notifications.models import MailMessage, StaffNotice
from app.tickets.models import Ticket

#: English values of the enumerations the interface shows (whole words, as a reader would see them)
ENGLISH_VALUES = {
    "open", "in_progress", "in progress", "waiting", "resolved", "closed", "cancelled",   # ticket statuses
    "low", "normal", "high", "critical",                                                 # priorities
    "admin", "manager", "engineer", "client",                                            # roles
    "hourly", "paid", "free",                                                            # billing kinds
    "grant", "debit", "reversal", "expiry", "adjustment", "purchase",                    # ledger kinds / lots
    "draft", "issued", "partially_paid", "unmatched", "auto", "manual", "ignored",       # billing states
    "phone", "email", "portal", "chat", "web",                                           # channels
    "mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday",                                                                # weekdays
    "min", "minutes", "hours", "h",                                                      # units
    "support", "update", "development", "onsite", "other",                               # service kinds
    "pending", "sent", "failed", "active", "terminated", "expired",                      # other states
}

#: pages that are not HTML for a reader, or that act rather than show
SKIP = ("/static/", "/api/", "/logout", "/lang/", "export.", ".pdf", "/files/", "/take", "/notices/<int:notice_id>")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.ids, self._skip, self._quoted = [], [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if attrs.get("translate") == "no":   # quoted content (an e-mail as sent), not the interface
            self._quoted.append(tag)
            self._skip += 1
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        for name in ("title", "placeholder", "aria-label"):
            if attrs.get(name):
                self.text.append(attrs[name])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if self._quoted and tag == self._quoted[-1]:
            self._quoted.pop()
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.text.append(data)


def english_values(html: str, context: bool = False) -> set[str]:
    """The enumeration values in English a reader sees (with `context`: the text around each)."""
    page = _Page()
    page.feed(html)
    found = set()
    for text in page.text:
        # a value stands alone, or as one item of a list, a label or a bracket ("mon: 9–18",
        # "(hourly)", "создан: manual"); words inside a sentence or an address are the user's own
        for token in re.split(r"[,:;()\[\]·|/\n]", text):
            word = token.strip().strip(".")
            if word.lower() in ENGLISH_VALUES:
                found.add(f"{word} in {' '.join(text.split())[:80]!r}" if context else word)
    return found


def duplicate_ids(html: str) -> set[str]:
    page = _Page()
    page.feed(html)
    return {i for i in page.ids if page.ids.count(i) > 1}


@pytest.fixture
def demo(app, db):
    result = app.test_cli_runner().invoke(demo_cli, ["load"])
    assert result.exit_code == 0, result.output


def _first(model, *where):
    return _db.session.scalars(select(model.id).where(*where).order_by(model.id).limit(1)).first()


def _pages(app, staff: bool) -> list[str]:
    values = {"client_id": _first(Client), "ticket_id": _first(Ticket), "contract_id": _first(Contract),
              "service_id": _first(Service), "invoice_id": _first(Invoice), "act_id": _first(Act),
              "payment_id": _first(Payment), "statement_id": _first(BankStatement), "close_id": _first(TicketClose),
              "message_id": _first(MailMessage), "user_id": _first(User), "name": "engineers"}
    found = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if "GET" not in rule.methods or any(s in path for s in SKIP):
            continue
        if path.startswith("/portal") == staff:
            continue
        for arg in rule.arguments:
            value = values.get(arg)
            if value is None:
                break
            path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?" + arg + ">", str(value), path)
        else:
            found.append(path)
    return sorted(set(found))


@pytest.mark.parametrize("who", ["admin", "contact"])
def test_every_page_in_russian_shows_no_english_values_and_no_id_twice(app, client, demo, login, who):
    user = _db.session.scalars(select(User).where(User.role == ("admin" if who == "admin" else "client"),
                                                  User.active.is_(True)).order_by(User.id)).first()
    user.locale = "ru"
    _db.session.add(StaffNotice(user_id=user.id, kind="assigned", ticket_id=_first(Ticket))) if who == "admin" else None
    _db.session.commit()
    login(user, DEMO_PASSWORD)
    problems = {}
    pages = _pages(app, staff=who == "admin")
    assert len(pages) > (20 if who == "admin" else 5)
    for path in pages:
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        english, twice = english_values(html, context=True), duplicate_ids(html)
        if english or twice:
            problems[path] = {"english": sorted(english), "ids twice": sorted(twice)}
    assert not problems, "\n".join(f"{path}: {found}" for path, found in problems.items())


@pytest.mark.parametrize("html, english", [
    ("<td>in_progress</td><td>В работе</td>", {"in_progress"}),
    ("<span title='critical'>Критический</span>", {"critical"}),
    ("<script>var s = 'open';</script><p>Открыта</p>", set()),
    ("<p>Hourdesk, API, PDF</p>", set()),
    ("<td>Backup job failed overnight</td><td>manager@hourdesk.example</td>", set()),
    ("<td>mon: 09:00–18:00</td><option>SUP · Поддержка (hourly)</option>", {"mon", "hourly"}),
])
def test_the_walker_sees_what_a_reader_sees(html, english):
    assert english_values(html) == english
