"""Latency from registering a ticket (API) to the `announce` event at a speaker socket.

Usage: .venv/bin/python bench/announce_latency.py [--tickets N]
Starts `flask serve` on a fresh SQLite database (default settings: outbox polled every 0.25 s),
connects a speaker socket as the voice agent does, registers N tickets one after another and prints
p50/p95 of the time until each one's announcement arrives.
"""
import argparse
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=200)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.operations import create_user, issue_token
    from app.clients.operations import create_client
    from app.extensions import db
    from config import TestingConfig

    url = f"sqlite:///{tempfile.mkdtemp()}/latency.sqlite3"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        client = create_client(name="Замер", inn="7707083893")
        token = issue_token(create_user("bench@hourdesk.example", role="engineer", password="bench-pass"), "bench")[1]
        client_id = client.id
        db.session.commit()
    port = 5099
    env = {**os.environ, "HOURDESK_ENV": "development", "DATABASE_URL": url, "HOURDESK_RATELIMIT": "0"}
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(base + "/login", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        heard: queue.Queue = queue.Queue()
        speaker = socketio.Client()
        speaker.on("announce", lambda data: heard.put((data["ticket_id"], time.perf_counter())), namespace="/events")
        speaker.connect(base, namespaces=["/events"], auth={"token": token, "speaker": True}, transports=["websocket"])
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        latencies = []
        for i in range(args.tickets):
            sent = time.perf_counter()
            ticket_id = session.post(base + "/api/v1/tickets", json={"client_id": client_id, "subject": f"Замер {i}"},
                                     timeout=5).json()["id"]
            while True:
                got, at = heard.get(timeout=10)
                if got == ticket_id:
                    latencies.append((at - sent) * 1000)
                    break
        speaker.disconnect()
        latencies.sort()
        p95 = latencies[int(round(0.95 * (len(latencies) - 1)))]
        print(f"API → announce at the speaker ({len(latencies)} tickets): p50 {statistics.median(latencies):.0f} ms, "
              f"p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
