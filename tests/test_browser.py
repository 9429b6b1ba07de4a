"""Real browser: Playwright drives Debian's Chromium against a live server with CSRF on.

An engineer logs in, registers a ticket through the search-as-you-type client picker, finds it in
the list and changes its status.
"""
import os
import shutil
import threading

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from app.auth.operations import create_user
from app.clients.operations import create_client
from app.extensions import db
from config import TestingConfig
from tests.conftest import MIGRATIONS, require

CHROMIUM = os.environ.get("HOURDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    require(shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM}")
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        create_user("eng@hourdesk.example", role="engineer", password="browser-pass", name="Егор Инженеров", locale="en")
        create_client(name='ООО «Ромашка»', inn="7707083893")
        create_client(name="АО Роща", inn="7736207543")
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        require(False, "playwright is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def test_engineer_registers_a_ticket_with_the_picker(live_server, browser, tmp_path):
    page = browser.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server + "/login")
    page.fill("#email", "eng@hourdesk.example")
    page.fill("#password", "browser-pass")
    page.click("button[type=submit]")
    page.wait_for_url(live_server + "/")

    page.click("text=New ticket")
    page.wait_for_url("**/tickets/new")
    page.wait_for_load_state("load")              # htmx has wired the picker up
    page.locator("#client-search").press_sequentially("ром", delay=50)   # search as you type
    option = page.locator("#picker-results [role=option]")
    option.first.wait_for()
    assert option.count() == 1 and "7707083893" in option.first.inner_text()
    option.first.click()
    page.locator(".picked-client").wait_for()
    assert "Ромашка" in page.locator(".picked-client").inner_text()
    page.fill("#subject", "Не печатает принтер в бухгалтерии")
    page.select_option("#priority", "high")
    page.click("text=Register ticket")
    page.wait_for_url("**/tickets/*")
    assert "Не печатает принтер в бухгалтерии" in page.locator("h1").inner_text()
    page.screenshot(path=str(tmp_path / "ticket.png"))

    page.goto(live_server + "/tickets/")
    page.wait_for_load_state("load")
    row = page.locator("#tickets tbody tr", has_text="Не печатает принтер")
    assert row.count() == 1 and "open" in row.inner_text()
    page.fill("#f-q", "бухгалтерии")               # the live filter (htmx) narrows the table
    page.wait_for_function("document.querySelectorAll('#tickets tbody tr[data-ticket-id]').length === 1")
    row.locator("a").first.click()

    page.click("button[data-status=in_progress]")
    page.wait_for_load_state()
    assert "in progress" in page.locator("#ticket-status").inner_text()
    assert "status" in page.locator("#history").inner_text()
    page.click("button[data-status=resolved]")
    page.wait_for_load_state()
    assert "resolved" in page.locator("#ticket-status").inner_text()
    page.close()
