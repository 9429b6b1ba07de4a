"""Live events end to end: a real server process, real python-socketio clients, the real API."""
import os
import queue
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
import socketio
from flask_migrate import upgrade

from app import create_app
from app.auth.operations import create_user, issue_token
from app.clients.operations import create_client
from app.contracts.operations import create_contract
from app.extensions import db
from app.sla.operations import create_calendar, create_policy
from config import TestingConfig
from tests.conftest import MIGRATIONS, assert_quiet, wait_until

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_db(tmp_path_factory):
    """A fresh SQLite file with staff and two companies' contacts, and their API tokens."""
    path = tmp_path_factory.mktemp("live") / "live.sqlite3"
    url = f"sqlite:///{path}"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    tokens = {}
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        a = create_client(name="Альфа", inn="7707083893")
        b = create_client(name="Бета", inn="7736207543")
        users = {"staff": create_user("eng@hourdesk.example", role="engineer", password="long-enough"),
                 "contact_a": create_user("a@alpha.example", role="client", password="long-enough", client=a),
                 "contact_b": create_user("b@beta.example", role="client", password="long-enough", client=b)}
        for name, user in users.items():
            tokens[name] = issue_token(user, "test")[1]
        # company A works under a contract with an SLA policy (round the clock, normal: 8 hours)
        calendar = create_calendar(name="24/7", timezone="Europe/Moscow", always_open=True)
        policy = create_policy(name="Стандарт", calendar=calendar, targets={
            p: {"response_minutes": 60, "resolution_minutes": r}
            for p, r in (("low", 2400), ("normal", 480), ("high", 240), ("critical", 120))})
        create_contract(a, number="A-1", starts_on=date.today(), months=12, hours_per_month=10,
                        sla_policy_id=policy.id)
        ids = {"a": a.id, "b": b.id}
        db.session.commit()
        db.engine.dispose()
    return {"tokens": tokens, "clients": ids, "url": url}


@pytest.fixture(scope="module")
def server(live_db):
    """`flask serve` in its own process on the live_db database."""
    url = live_db["url"]
    port = _free_port()
    env = {**os.environ, "HOURDESK_ENV": "development", "DATABASE_URL": url, "HOURDESK_RATELIMIT": "0",
           "HOURDESK_OUTBOX_POLL_SECONDS": "0.1"}
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_for_server(base, proc)
    yield {**live_db, "base": base}
    proc.terminate()
    proc.wait(timeout=10)


def _wait_for_server(base: str, proc) -> None:
    def answers() -> bool:
        try:
            return requests.get(base + "/login", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_until(answers, timeout=15, what=f"the server at {base}", interval=0.1)
    except BaseException:
        proc.kill()
        raise


def _speaker_socket(server_info, speaker: bool = True):
    """A staff socket that asks for the speakers room, as the voice agent does (or does not ask)."""
    heard: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    client.on("announce", heard.put, namespace="/events")
    client.connect(server_info["base"], namespaces=["/events"],
                   auth={"token": server_info["tokens"]["staff"], "speaker": speaker}, wait_timeout=5)
    return client, heard


@contextmanager
def engineer_in_chromium(server_info):
    """A Chromium page logged in as the live server's engineer."""
    from tests.conftest import require
    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield logged_in_page(browser.new_context(), server_info["base"], "eng@hourdesk.example", "/")
        browser.close()


def logged_in_page(context, base: str, email: str, landing: str):
    """A new page of `context` (its own cookies) logged in through the form as `email`."""
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", "long-enough")
    page.click("button[type=submit]")
    page.wait_for_url(base + landing)
    return page


def _listen(base: str, token: str, events=("ticket.created", "ticket.updated", "ticket.comment")):
    received: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False)
    for name in events:
        client.on(name, (lambda n: lambda data: received.put((n, data, time.perf_counter())))(name), namespace="/events")
    client.connect(base, namespaces=["/events"], auth={"token": token}, wait_timeout=5)
    return client, received


def _api(server, who, method, path, **kw):
    return requests.request(method, server["base"] + "/api/v1" + path, timeout=5,
                            headers={"Authorization": f"Bearer {server['tokens'][who]}"}, **kw)


def test_ticket_events_reach_staff_and_only_the_right_company(server):
    staff, staff_q = _listen(server["base"], server["tokens"]["staff"])
    a, a_q = _listen(server["base"], server["tokens"]["contact_a"])
    b, b_q = _listen(server["base"], server["tokens"]["contact_b"])
    try:
        sent = time.perf_counter()
        created = _api(server, "staff", "POST", "/tickets", json={"client_id": server["clients"]["a"], "subject": "Живое событие"})
        assert created.status_code == 201, created.text[:2000]
        ticket_id = created.json()["id"]
        event, data, at = staff_q.get(timeout=5)
        assert (event, data["ticket_id"]) == ("ticket.created", ticket_id)
        assert at - sent < 2
        assert a_q.get(timeout=5)[1]["ticket_id"] == ticket_id
        # an internal note goes to the staff only; a public reply to the company too
        _api(server, "staff", "POST", f"/tickets/{ticket_id}/comments", json={"body": "внутреннее", "public": False})
        _api(server, "staff", "POST", f"/tickets/{ticket_id}/comments", json={"body": "ответ"})
        staff_events = [staff_q.get(timeout=5)[0] for _ in range(2)]
        assert staff_events == ["ticket.comment", "ticket.comment"]
        event, data, _ = a_q.get(timeout=5)
        assert (event, data["public"]) == ("ticket.comment", True)
        _api(server, "staff", "POST", f"/tickets/{ticket_id}/status", json={"status": "in_progress"})
        assert staff_q.get(timeout=5)[0] == "ticket.updated"
        assert a_q.get(timeout=5)[0] == "ticket.updated"
        assert_quiet(b_q, within=0.5, what="another company's contact heard something")
        assert_quiet(a_q, within=0.1, what="the company's contact heard more than its own ticket's events")
    finally:
        for client in (staff, a, b):
            client.disconnect()


@pytest.mark.parametrize("auth", [{"token": "not-a-token"}, {}, None])
def test_bad_or_missing_token_is_refused(server, auth):
    client = socketio.Client(reconnection=False)
    reasons = []
    client.on("connect_error", reasons.append, namespace="/events")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(server["base"], namespaces=["/events"], auth=auth, wait_timeout=5)
    expected = "invalid token" if auth and auth.get("token") else "authentication required"
    assert reasons and reasons[0]["message"] == expected


@pytest.mark.browser
def test_the_ticket_list_updates_without_a_reload(server):
    """The engineer's list, open in Chromium, shows a ticket registered elsewhere (here: the API)."""
    with engineer_in_chromium(server) as page:
        page.goto(server["base"] + "/tickets/?status=open")
        page.wait_for_function("window.io !== undefined")
        page.wait_for_timeout(500)      # the socket connects
        assert "Пришло без перезагрузки" not in page.content()
        _api(server, "staff", "POST", "/tickets", json={"client_id": server["clients"]["b"],
                                                        "subject": "Пришло без перезагрузки"})
        page.locator("#tickets tbody tr", has_text="Пришло без перезагрузки").wait_for()


@pytest.mark.browser
def test_a_contact_registers_a_ticket_with_a_realistic_due_date_and_the_desk_sees_it(server):
    """In the portal a too-early due date is refused with the earliest acceptable one; the contact
    takes it, registers the ticket, and the engineer's open list (another browser) shows it live."""
    with engineer_in_chromium(server) as desk:
        desk.goto(server["base"] + "/tickets/?status=open")
        desk.wait_for_function("window.io !== undefined")
        desk.wait_for_timeout(500)      # the socket connects
        contact_context = desk.context.browser.new_context()
        portal = logged_in_page(contact_context, server["base"], "a@alpha.example", "/portal/")
        portal.click("a[href='/portal/tickets/new']")
        portal.fill("#subject", "Сервер 1С не отвечает")
        portal.fill("#description", "С 9 утра никто не может войти")
        too_early = datetime.now(ZoneInfo("Europe/Moscow")) + timedelta(hours=1)
        portal.fill("#desired_due_at", too_early.strftime("%Y-%m-%dT%H:%M"))
        portal.click("#new-ticket button[type=submit]")
        error = portal.locator(".invalid-feedback").inner_text()
        assert "Самый ранний срок" in error     # the contact reads Russian
        offered = portal.locator("#use-earliest").get_attribute("data-value")
        assert datetime.strptime(offered, "%Y-%m-%dT%H:%M") >= (too_early + timedelta(hours=7)).replace(tzinfo=None)
        portal.click("#use-earliest")
        assert portal.input_value("#desired_due_at") == offered
        portal.click("#new-ticket button[type=submit]")
        portal.wait_for_url(lambda url: "/portal/tickets/" in url and url.rstrip("/").split("/")[-1].isdigit())
        assert "Сервер 1С не отвечает" in portal.content()
        desk.locator("#tickets tbody tr", has_text="Сервер 1С не отвечает").wait_for()
        contact_context.close()


def test_writes_never_fail_while_events_are_delivered(server):
    """The delivery loop commits while requests write: on SQLite, write requests wait for the lock
    (BEGIN IMMEDIATE) instead of failing with 'database is locked'."""
    from concurrent.futures import ThreadPoolExecutor

    listener, received = _listen(server["base"], server["tokens"]["staff"])
    try:
        def create(i):
            return _api(server, "staff", "POST", "/tickets",
                        json={"client_id": server["clients"]["a"], "subject": f"Нагрузка {i}"}).status_code
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(create, range(60)))
        assert statuses == [201] * 60
        got = 0
        while got < 60:
            event, _, _ = received.get(timeout=10)
            got += event == "ticket.created"
    finally:
        listener.disconnect()
