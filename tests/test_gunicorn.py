"""The production set-up for real (issue 13): gunicorn with deploy/gunicorn.conf.py, two worker
processes, PostgreSQL and Redis. Pages answer, sockets are WebSocket-only, every event reaches
every listener exactly once whichever process holds its socket, and the `Server` header names no
version."""
import os
import queue
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import socketio
from flask_migrate import upgrade

from app import create_app
from app.auth.operations import create_user, issue_token
from app.clients.operations import create_client
from app.extensions import db
from config import TestingConfig
from tests.conftest import MIGRATIONS, require, scratch_postgres_database, wait_until
from tests.test_live import ROOT, _free_port
from tests.test_redis import redis_url  # noqa: F401  (a throwaway redis-server)

pytestmark = pytest.mark.postgres


@pytest.fixture
def production(redis_url):  # noqa: F811
    require(shutil.which("gunicorn") is not None or os.path.exists(os.path.join(sys.prefix, "bin", "gunicorn")),
            "gunicorn is not installed")
    with scratch_postgres_database("gunicorn") as url:
        app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade(directory=MIGRATIONS)
            company = create_client(name="ООО «Ромашка»", inn="7707083893")
            staff = create_user("eng@hourdesk.example", role="engineer", password="long-enough")
            token = issue_token(staff, "test")[1]
            client_id = company.id
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        port = _free_port()
        env = {**os.environ, "HOURDESK_ENV": "production", "SECRET_KEY": "s" * 64, "DATABASE_URL": url,
               "HOURDESK_BASE_URL": "https://desk.example.test", "HOURDESK_WEB_PROCESSES": "2",
               "HOURDESK_WEB_THREADS": "16", "HOURDESK_SOCKETIO_TRANSPORTS": "websocket",
               "SOCKETIO_MESSAGE_QUEUE": redis_url, "RATELIMIT_STORAGE_URI": redis_url.rsplit("/", 1)[0] + "/1",
               "HOURDESK_BIND": f"127.0.0.1:{port}", "HOURDESK_COOKIE_SECURE": "0",
               "HOURDESK_OUTBOX_POLL_SECONDS": "0.1", "HOURDESK_ACCESS_LOG": "/dev/null"}
        proc = subprocess.Popen([os.path.join(sys.prefix, "bin", "gunicorn"), "-c", "deploy/gunicorn.conf.py",
                                 "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for_workers(base, proc)
            yield {"base": base, "token": token, "client_id": client_id}
        finally:
            proc.terminate()
            try:
                output = proc.communicate(timeout=40)[0].decode(errors="replace")
            except subprocess.TimeoutExpired:
                proc.kill()
                output = proc.communicate()[0].decode(errors="replace")
            assert "Traceback" not in output, output[-3000:]


def _wait_for_workers(base: str, proc) -> None:
    """Gunicorn binds at once, its workers load the app after: wait until a page answers."""
    def answers() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}")
        try:
            return requests.get(base + "/login", timeout=5).status_code == 200
        except requests.RequestException:
            return False
    wait_until(answers, timeout=60, what=f"gunicorn at {base}", interval=0.2)


def test_two_gunicorn_processes_serve_pages_and_every_event_once(production):
    base, token = production["base"], production["token"]
    login = requests.get(base + "/login", timeout=5)
    assert login.status_code == 200 and login.headers["Server"] == "gunicorn"
    # long-polling is off: it would need every request of one client to reach one process
    assert requests.get(base + "/socket.io/?EIO=4&transport=polling", timeout=5).status_code == 400
    listeners = []
    for _ in range(4):
        heard: queue.Queue = queue.Queue()
        client = socketio.Client(reconnection=False, websocket_extra_options={"suppress_origin": True})
        client.on("ticket.created", lambda data, heard=heard: heard.put(data["ticket_id"]), namespace="/events")
        client.connect(base, namespaces=["/events"], auth={"token": token}, transports=["websocket"], wait_timeout=5)
        listeners.append((client, heard))
    created = []
    for n in range(10):
        response = requests.post(base + "/api/v1/tickets", timeout=5, headers={"Authorization": f"Bearer {token}"},
                                 json={"client_id": production["client_id"], "subject": f"Заявка {n}"})
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])
    deadline = time.monotonic() + 15
    ports = []
    for client, heard in listeners:
        got = []
        while len(got) < len(created) and time.monotonic() < deadline:
            try:
                got.append(heard.get(timeout=0.5))
            except queue.Empty:
                pass
        time.sleep(0.3)
        while not heard.empty():
            got.append(heard.get())
        assert sorted(got) == sorted(created), "each event exactly once"
        ports.append(client.eio.ws.sock.getsockname()[1])   # this WebSocket's end, before it closes
        client.disconnect()
    # each WebSocket's threads end in the server after its client has gone. Stopping gunicorn before
    # that made a socket's writer close a descriptor its worker had already closed (a traceback)
    port = int(base.rsplit(":", 1)[1])
    wait_until(lambda: not _held_by_the_server(port, ports), timeout=20, what="gunicorn to close the WebSockets")


def _held_by_the_server(port: int, peers: list[int]) -> list[str]:
    """The connections from `peers` that the server on `port` still holds (Linux's /proc/net/tcp):
    established, or closed by the peer and not yet by the server."""
    held = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, remote, state = line.split()[1:4]
        if (int(local.rsplit(":", 1)[1], 16) == port and int(remote.rsplit(":", 1)[1], 16) in peers
                and state in ("01", "08")):   # ESTABLISHED, CLOSE_WAIT
            held.append(line)
    return held
