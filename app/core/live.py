"""Live events over Socket.IO (namespace `/events`).

Browsers authenticate with their session cookie, agents (the office speaker) with an API token in
the connection's `auth`. Each socket joins the rooms its user may hear: staff → `staff`, a client
contact → `client:<company id>`, a staff token that asks for it → `speakers`.

Events are not emitted by the code that causes them: they are outbox rows committed with the change
(app.core.events). One process at a time (a database lease) delivers pending rows to the rooms,
polling every HOURDESK_OUTBOX_POLL_SECONDS. With SOCKETIO_MESSAGE_QUEUE set (Redis), an emit from
that process reaches clients connected to any web process; without it, a single web process serves
all clients, and the scheduler's events still arrive, because they travel through the outbox.
"""
import gc
import os
import socket
import threading
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler

from app.core import lease
from app.core.db_setup import serialized_writes
from app.core.events import OutboxEvent, published
from app.core.types import utcnow
from app.extensions import db, socketio

NAMESPACE = "/events"
LEASE_NAME = "outbox"
_started: set[int] = set()
_start_lock = threading.Lock()


def origin_check(app: Flask):
    """Socket.IO's Origin check: the configured address (HOURDESK_BASE_URL), and in development
    and tests also the address the request itself came to (servers there listen on any port)."""
    configured = _origin(app.config["HOURDESK_BASE_URL"])
    production = app.config.get("ENV_NAME") == "production"

    def allowed(origin: str | None, environ: dict) -> bool:
        if not origin:   # not a browser (the voice agent): nothing to check here
            return False
        if origin.rstrip("/") == configured:
            return True
        if production:
            return False
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return origin.rstrip("/") == own
    return allowed


def _origin(url: str) -> str:
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def rooms_for(user, wants_speaker: bool) -> list[str]:
    if user.role == "client":
        return [f"client:{user.client_id}"]
    rooms = ["staff", f"user:{user.id}"]   # their own room: notices meant for them alone
    if wants_speaker:
        rooms.append("speakers")
    return rooms


def _connect(auth):
    auth = auth if isinstance(auth, dict) else {}
    user = current_user if current_user.is_authenticated else None
    if auth.get("token"):
        user = current_app.extensions[_TOKEN_USER](str(auth["token"]))
        if user is None:
            raise ConnectionRefusedError("invalid token")
    if user is None:
        raise ConnectionRefusedError("authentication required")
    for room in rooms_for(user, bool(auth.get("speaker"))):
        join_room(room)
    db.session.remove()
    ensure_delivery(current_app._get_current_object())


def deliver_pending(limit: int = 200) -> int:
    """Emit unsent outbox rows to their rooms, oldest first, and mark them sent. Call under the lease.
    The rows stay locked until they are marked (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the
    write lock taken around this call), so even a deliverer whose lease lapsed mid-batch under load
    and the one that took it over never send one row twice."""
    query = select(OutboxEvent).where(OutboxEvent.sent_at.is_(None)).order_by(OutboxEvent.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = db.session.scalars(query).all()
    for row in rows:
        for room in row.rooms:
            socketio.emit(row.event, row.payload, to=room, namespace=NAMESPACE)
        row.sent_at = utcnow()
    db.session.commit()
    return len(rows)


def _has_pending() -> bool:
    """A cheap read first, so an idle loop never takes the write lock."""
    found = db.session.scalar(select(OutboxEvent.id).where(OutboxEvent.sent_at.is_(None)).limit(1)) is not None
    db.session.commit()
    return found


def _delivery_loop(app: Flask) -> None:
    holder = f"{socket.gethostname()}:{os.getpid()}:outbox"
    interval = app.config["HOURDESK_OUTBOX_POLL_SECONDS"]
    ttl = timedelta(seconds=app.config["HOURDESK_OUTBOX_LEASE_SECONDS"])
    while True:
        try:
            with app.app_context():
                # the lease is renewed before each batch: a long backlog does not let it lapse
                while lease.acquire(LEASE_NAME, holder, utcnow(), ttl) and _has_pending():
                    with serialized_writes(db.session):   # read the rows and mark them in one lock
                        if not deliver_pending():
                            break   # what is pending is being delivered by another process
                db.session.remove()
        except Exception:  # the loop must outlive a database hiccup
            app.logger.exception("outbox delivery failed; retrying")
        if published.wait(interval):   # a commit in this process published something: go now
            published.clear()


def ensure_delivery(app: Flask) -> None:
    """Start this process's delivery loop once (on the first socket, or when the server starts)."""
    with _start_lock:
        if id(app) in _started:
            return
        _started.add(id(app))
    socketio.start_background_task(_delivery_loop, app)


_TOKEN_USER = "hourdesk_live_token_user"


def init_app(app: Flask, *, user_for_token) -> None:
    """`user_for_token(raw)`: the active user owning an API token, or None (the voice agent
    connects with a token; core knows no capability, so the factory hands it in)."""
    app.extensions[_TOKEN_USER] = user_for_token
    socketio.on_event("connect", _connect, namespace=NAMESPACE)
    serve_command(app)


class _QuietHandler(WSGIRequestHandler):
    """No server or Python version in the `Server` header (nothing to look up exploits by)."""
    server_version = "Hourdesk"
    sys_version = ""


def serve_command(app: Flask):
    import click

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    def serve(host: str, port: int):
        """Serve the web app with Socket.IO (WebSocket and long-polling) and deliver live events."""
        ensure_delivery(app)
        # Flask's CLI marks the process so that app.run() refuses to start a second server; this
        # command *is* the server (socketio.run wraps app.run with WebSocket support).
        os.environ.pop("FLASK_RUN_FROM_CLI", None)
        # What start-up made (modules, templates, the app) lives as long as the process: moved out
        # of the collector's way, a full collection scans only what requests made (it cut the PDF
        # render's slowest 5 % from ~300 to ~150 ms: bench/billing.py)
        gc.collect()
        gc.freeze()
        socketio.run(app, host=host, port=port, use_reloader=False, log_output=False,
                     allow_unsafe_werkzeug=True, request_handler=_QuietHandler)
