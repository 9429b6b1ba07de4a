"""Real processes: two schedulers started at once announce each ticket once per interval, and a
pending announcement survives killing and restarting the server and the scheduler."""
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from itertools import pairwise

from sqlalchemy import create_engine, text

from tests.conftest import wait_until
from tests.test_live import ROOT, _api, _free_port, _speaker_socket, _wait_for_server, live_db  # noqa: F401

EVERY_SECONDS = 3


def _env(url: str) -> dict:
    return {**os.environ, "HOURDESK_ENV": "development", "DATABASE_URL": url, "HOURDESK_RATELIMIT": "0",
            "HOURDESK_OUTBOX_POLL_SECONDS": "0.1", "HOURDESK_ANNOUNCE_EVERY_MINUTES": str(EVERY_SECONDS / 60),
            "HOURDESK_ANNOUNCE_TICK_SECONDS": "0.5", "HOURDESK_SLA_TICK_SECONDS": "5",
            "HOURDESK_SCHEDULER_LEASE_SECONDS": "3", "HOURDESK_OUTBOX_LEASE_SECONDS": "2"}


def _start(args, url):
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=_env(url),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _serve(url):
    port = _free_port()
    proc = _start(["serve", "--port", str(port)], url)
    base = f"http://127.0.0.1:{port}"
    _wait_for_server(base, proc)
    return proc, base


def _announce_times(url: str, ticket_id: int) -> list[float]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT created_at, payload FROM event_outbox WHERE event = 'announce' ORDER BY id")).all()
    engine.dispose()
    times = []
    for created_at, payload in rows:
        data = payload if isinstance(payload, dict) else json.loads(payload)
        if data["ticket_id"] == ticket_id:
            times.append(_timestamp(created_at))
    return times


def _timestamp(value) -> float:
    """A stored instant (a datetime on PostgreSQL, ISO text in UTC on SQLite) as a POSIX time."""
    value = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()


def _next_announce_at(url: str, ticket_id: int) -> float:
    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text("SELECT next_announce_at FROM tickets WHERE id = :id"), {"id": ticket_id}).scalar()
    engine.dispose()
    return _timestamp(value)


def test_two_schedulers_announce_once_per_interval(live_db):  # noqa: F811
    web, base = _serve(live_db["url"])
    server = {**live_db, "base": base}
    schedulers = [_start(["scheduler", "run"], live_db["url"]) for _ in range(2)]
    try:
        ticket = _api(server, "staff", "POST", "/tickets", json={"client_id": server["clients"]["a"],
                                                                 "subject": "Два планировщика"}).json()
        # a second scheduler acting too would show as two announcements within one interval
        def three_announcements():
            times = _announce_times(live_db["url"], ticket["id"])
            return times if len(times) >= 3 else None

        times = wait_until(three_announcements, timeout=EVERY_SECONDS * 6, what="three announcements")
        gaps = [b - a for a, b in pairwise(times)]
        assert min(gaps) > EVERY_SECONDS - 1, f"announced twice within an interval: {gaps}"
    finally:
        for proc in (web, *schedulers):
            proc.terminate()
            proc.wait(timeout=10)


def test_a_pending_announcement_survives_a_restart(live_db):  # noqa: F811
    web, base = _serve(live_db["url"])
    scheduler = _start(["scheduler", "run"], live_db["url"])
    server = {**live_db, "base": base}
    ticket = _api(server, "staff", "POST", "/tickets", json={"client_id": server["clients"]["b"],
                                                             "subject": "После перезапуска"}).json()
    for proc in (web, scheduler):           # the office loses power
        proc.kill()
        proc.wait(timeout=10)
    # the next announcement falls due while everything is down
    due = _next_announce_at(live_db["url"], ticket["id"])
    wait_until(lambda: time.time() > due, timeout=EVERY_SECONDS * 3, what="the repeat to fall due", interval=0.2)
    web, base = _serve(live_db["url"])
    server = {**live_db, "base": base}
    listener, heard = _speaker_socket(server)
    scheduler = _start(["scheduler", "run"], live_db["url"])
    try:
        # whatever was pending (perhaps the first announcement, never delivered) arrives, and the
        # repeat that fell due while everything was down follows
        texts = []
        deadline = time.time() + 15
        while time.time() < deadline and not any(t.startswith("Повторно") for t in texts):
            data = heard.get(timeout=15)
            if data["ticket_id"] == ticket["id"]:
                texts.append(data["text"])
        assert any(t.startswith("Повторно") for t in texts), texts
    finally:
        listener.disconnect()
        for proc in (web, scheduler):
            proc.terminate()
            proc.wait(timeout=10)
