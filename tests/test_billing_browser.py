"""Real browser: a manager uploads a bank statement, sees what was matched automatically and why,
and resolves the payment the rules left to a person; the client's contact, watching the portal,
sees its hours grow without reloading the page."""
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from flask_migrate import upgrade

from app import create_app
from app.auth.operations import create_user
from app.billing import operations as billing
from app.clients.operations import create_client
from app.contracts.operations import create_contract
from app.extensions import db
from config import TestingConfig
from tests.billing_files import BILLING_PROFILE, Doc, one_c
from tests.conftest import MIGRATIONS, require
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.test_live import ROOT, _free_port, _wait_for_server, logged_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def billing_server(tmp_path):
    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM}")
    url = f"sqlite:///{tmp_path / 'billing.sqlite3'}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        create_user("boss@hourdesk.example", role="manager", password="long-enough", locale="ru")
        romashka = create_client(name="ООО «Ромашка»", inn="7707083893")
        create_user("anna@romashka.example", role="client", password="long-enough", client=romashka, locale="ru")
        create_contract(romashka, number="ИТС-1", starts_on=date.today().replace(day=1), months=12, hours_per_month=2,
                        hour_price="1500.00")
        billing.save_profile(None, **BILLING_PROFILE)
        grant = billing.GrantInput(600, date.today(), date.today() + timedelta(days=364))
        paid_by_number = billing.create_invoice(romashka, None, lines=[billing.LineInput("Пакет 10 ч", 1, "15000.00")],
                                                grant=grant)
        left_to_person = billing.create_invoice(romashka, None, lines=[billing.LineInput("Пакет 5 ч", 1, "7500.00")],
                                                grant=billing.GrantInput(300, grant.valid_from, grant.valid_until))
        numbers = paid_by_number.number, left_to_person.number
        db.session.commit()
        db.engine.dispose()
    port = _free_port()
    env = {**os.environ, "HOURDESK_ENV": "development", "DATABASE_URL": url, "HOURDESK_RATELIMIT": "0",
           "HOURDESK_OUTBOX_POLL_SECONDS": "0.1"}
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    _wait_for_server(base, proc)
    yield {"base": base, "numbers": numbers}
    proc.terminate()
    proc.wait(timeout=10)


def test_a_manager_imports_a_statement_and_resolves_what_the_rules_left(billing_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    base = billing_server["base"]
    by_number, second = billing_server["numbers"]
    statement = tmp_path / "statement.txt"
    statement.write_bytes(one_c([Doc("15000.00", f"Оплата по счету {by_number} за поддержку", number="41"),
                                 Doc("7500.00", "Оплата за ИТС по договору", number="42",
                                     payer_inn="7710140679", payer_name="ПАО «Холдинг»")]))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        contact = logged_in_page(browser.new_context(), base, "anna@romashka.example", "/portal/")
        before = contact.locator("#balance .balance-value").inner_text()
        manager = logged_in_page(browser.new_context(), base, "boss@hourdesk.example", "/")
        manager.goto(base + "/billing/statements")
        manager.set_input_files("input[name=file]", str(statement))
        manager.click("#statement-form button[type=submit]")
        rows = manager.locator("#payments tbody tr")
        expect(rows).to_have_count(2)
        auto = manager.locator("#payments tr[data-status=auto]")
        expect(auto).to_contain_text("ИНН плательщика и точная сумма совпадают")   # the rule, in words
        # the contact's portal page shows the new hours by itself (balance.changed, live)
        expect(contact.locator("#balance .balance-value")).not_to_have_text(before, timeout=10_000)
        after_auto = contact.locator("#balance .balance-value").inner_text()
        # the holding's payment without a number: a person decides, helped by the suggestion
        manager.locator("#payments tr[data-status=unmatched] a").click()
        expect(manager.locator("#rule")).to_contain_text("ИНН")
        manager.fill("#match-form input[name=invoice_number]", second)
        manager.fill("#match-form input[name=reason]", "холдинг платит за Ромашку, письмо от 28.11")
        manager.click("#match-form button[type=submit]")
        expect(manager.locator("#payment-status")).to_contain_text("вручную")
        expect(manager.locator("#allocations")).to_contain_text(second)
        expect(contact.locator("#balance .balance-value")).not_to_have_text(after_auto, timeout=10_000)
        expect(manager.locator("#history")).to_contain_text("холдинг платит")   # audited with the reason
        browser.close()
