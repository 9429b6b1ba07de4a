"""Two web processes share live events through a real Redis (SOCKETIO_MESSAGE_QUEUE)."""
import os
import shutil
import subprocess
import sys

import pytest
import requests

from tests.conftest import require, wait_until
from tests.test_live import ROOT, _free_port, _listen, _wait_for_server, live_db  # noqa: F401  (database, users, tokens)


@pytest.fixture(scope="module")
def redis_url():
    binary = shutil.which("redis-server")
    require(binary is not None, "redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)

    def answers() -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    wait_until(answers, timeout=5, what="redis-server to answer")
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def _web_process(url: str, redis: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "HOURDESK_ENV": "development", "DATABASE_URL": url, "HOURDESK_RATELIMIT": "0",
           "HOURDESK_OUTBOX_POLL_SECONDS": "0.1", "SOCKETIO_MESSAGE_QUEUE": redis}
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    _wait_for_server(base, proc)
    return proc, base


def test_an_event_raised_in_one_process_reaches_clients_of_the_other(live_db, redis_url):  # noqa: F811
    server = live_db
    first, first_base = _web_process(server["url"], redis_url)
    second, second_base = _web_process(server["url"], redis_url)
    try:
        on_first, heard_first = _listen(first_base, server["tokens"]["staff"], events=("ticket.created",))
        on_second, heard_second = _listen(second_base, server["tokens"]["staff"], events=("ticket.created",))
        # registered through the first process; one process (the lease holder) delivers, Redis fans out
        response = requests.post(first_base + "/api/v1/tickets", timeout=5,
                                 headers={"Authorization": f"Bearer {server['tokens']['staff']}"},
                                 json={"client_id": server["clients"]["a"], "subject": "Через Redis"})
        assert response.status_code == 201
        ticket_id = response.json()["id"]
        seen = set()
        for heard in (heard_first, heard_second):
            while True:
                event, data, _ = heard.get(timeout=10)
                if data["ticket_id"] == ticket_id:
                    seen.add(heard is heard_first)
                    break
        assert seen == {True, False}, "both processes' clients heard the event"
        on_first.disconnect()
        on_second.disconnect()
    finally:
        for proc in (first, second):
            proc.terminate()
            proc.wait(timeout=10)
