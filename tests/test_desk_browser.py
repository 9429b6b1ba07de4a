"""Real browser, the daily desk (issue 12): a contact replies to a waiting ticket on the portal and
the engineer's dashboard marks it live; a canned reply goes into a comment with one keystroke;
deleting a work line asks first; the lists fit a 390 px phone screen."""
import os
import subprocess
import sys
from datetime import date

import pytest
from flask_migrate import upgrade

from app import create_app
from app.auth.operations import create_user
from app.clients.operations import create_client
from app.contracts.operations import add_spec_line, create_contract, save_service
from app.extensions import db
from app.replies.operations import save_reply
from app.tickets.operations import create_ticket, set_status
from config import TestingConfig
from tests.conftest import MIGRATIONS, require
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.test_live import ROOT, _free_port, _wait_for_server, logged_in_page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM}")
    url = f"sqlite:///{tmp_path_factory.mktemp('desk') / 'desk.sqlite3'}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        engineer = create_user("egor@hourdesk.example", role="engineer", password="long-enough", name="Егор",
                               locale="ru")
        create_user("boss@hourdesk.example", role="manager", password="long-enough", locale="ru")
        romashka = create_client(name="ООО «Ромашка»", inn="7707083893")
        anna = create_user("anna@romashka.example", role="client", password="long-enough", client=romashka,
                           name="Анна", locale="ru")
        create_contract(romashka, number="ИТС-1", starts_on=date.today().replace(day=1),
                        months=12, hours_per_month=10)
        service = save_service(None, code="SUP", name_ru="Поддержка", billing="hourly")
        waiting = create_ticket(engineer, romashka, subject="Не печатает принтер", requester=anna)
        set_status(waiting, engineer, "in_progress")
        set_status(waiting, engineer, "waiting", reason="ждём модель принтера")
        worked = create_ticket(engineer, romashka, subject="Настроить почту", requester=anna)
        add_spec_line(ticket_id=worked.id, client_id=romashka.id, ticket_status=worked.status, service=service,
                      minutes=30, engineer=engineer)
        save_reply(None, title="Остаток", body="{контакт}, у {клиент} осталось {остаток} ч.", shared=False,
                   actor=engineer)
        ids = {"waiting": waiting.id, "worked": worked.id}
        db.session.commit()
        db.engine.dispose()
    port = _free_port()
    env = {**os.environ, "HOURDESK_ENV": "development", "DATABASE_URL": url, "HOURDESK_RATELIMIT": "0",
           "HOURDESK_OUTBOX_POLL_SECONDS": "0.1"}
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    _wait_for_server(base, proc)
    yield {"base": base, **ids}
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def test_a_contacts_reply_brings_a_waiting_ticket_back_and_the_dashboard_marks_it_live(desk, chromium):
    from playwright.sync_api import expect

    base, ticket_id = desk["base"], desk["waiting"]
    engineer = logged_in_page(chromium.new_context(), base, "egor@hourdesk.example", "/")
    row = engineer.locator(f"#dash-mine tr[data-ticket-id='{ticket_id}']")
    expect(row).to_have_count(1)
    expect(row.locator(".attention")).to_have_count(0)
    contact = logged_in_page(chromium.new_context(), base, "anna@romashka.example", "/portal/")
    contact.goto(f"{base}/portal/tickets/{ticket_id}")
    contact.fill("textarea[name=body]", "Модель HP LaserJet 1102, бумага не замята")
    contact.locator("form[action$='/comments'] button[type=submit]").click()
    contact.wait_for_load_state()
    # the engineer did nothing: the dashboard, live, marks the ticket and the bell counts the news
    expect(row.locator(".attention")).to_have_count(1, timeout=15_000)
    expect(engineer.locator("#bell-count")).to_have_text("1")
    engineer.goto(f"{base}/tickets/{ticket_id}")
    expect(engineer.locator("#ticket-status")).to_contain_text("в работе")
    engineer.goto(base + "/")
    expect(engineer.locator(f"#dash-mine tr[data-ticket-id='{ticket_id}'] .attention")).to_have_count(0)


def test_a_canned_reply_in_one_keystroke_and_a_work_line_deleted_only_when_confirmed(desk, chromium):
    from playwright.sync_api import expect

    base, ticket_id = desk["base"], desk["worked"]
    page = logged_in_page(chromium.new_context(), base, "egor@hourdesk.example", "/")
    page.goto(f"{base}/tickets/{ticket_id}")
    box = page.locator("textarea[name=body]")
    box.click()
    box.press("Alt+1")
    expect(box).to_have_value("Анна, у ООО «Ромашка» осталось 120:00 ч.")
    lines = page.locator("tr[data-line-id]")
    expect(lines).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.dismiss())
    lines.first.locator("button[data-confirm]").click()
    expect(lines).to_have_count(1)                         # dismissed: nothing deleted
    page.once("dialog", lambda dialog: dialog.accept())
    lines.first.locator("button[data-confirm]").click()
    page.wait_for_load_state()
    expect(page.locator("tr[data-line-id]")).to_have_count(0)


@pytest.mark.parametrize("who, path", [("egor@hourdesk.example", "/tickets/?status=active"),
                                       ("egor@hourdesk.example", "/"),
                                       ("egor@hourdesk.example", "/clients/"),
                                       ("anna@romashka.example", "/portal/tickets")])
def test_lists_fit_a_phone_screen(desk, chromium, who, path):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True,
                                   has_touch=True)
    page = logged_in_page(context, desk["base"], who, "/portal/" if who.startswith("anna") else "/")
    page.goto(desk["base"] + path)
    page.wait_for_load_state()
    # nothing sticks out to the side: no sideways scrolling of the page itself
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width} px wide on a 390 px screen"
    assert "Не печатает принтер" in page.content() or path == "/clients/"
    context.close()
