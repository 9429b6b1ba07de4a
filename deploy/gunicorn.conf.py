"""Gunicorn settings for Hourdesk in production: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Why gunicorn with gthread workers: the application is synchronous (SQLAlchemy, WeasyPrint), and
Flask-SocketIO's threading mode carries WebSocket through simple-websocket on gunicorn's threaded
worker, so no monkey-patching (eventlet/gevent) touches the database drivers. Several worker
processes share live events through Redis (SOCKETIO_MESSAGE_QUEUE); because gunicorn cannot route
a client back to the process that holds its long-polling session, production sockets use the
WebSocket transport only (HOURDESK_SOCKETIO_TRANSPORTS=websocket), which needs no sticky sessions.
Each open WebSocket holds one thread for its lifetime: size HOURDESK_WEB_THREADS for the sockets
one process carries (staff pages, portal pages, speakers) plus the requests in flight.
"""
import gc
import os

bind = os.environ.get("HOURDESK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("HOURDESK_WEB_PROCESSES", "2"))
worker_class = "gthread"
threads = int(os.environ.get("HOURDESK_WEB_THREADS", "64"))
# a WebSocket is a long request: the worker's heartbeat, not the request, must stay under this
timeout = 60
graceful_timeout = 30
# longer than the proxy's idle upstream connections (nginx: 60 s): gunicorn closing a connection the
# proxy is about to reuse would reset that request
keepalive = 75
# each worker builds its own app: a Redis connection (live events, rate limits) or a database
# connection opened before the fork would be shared by every worker
preload_app = False
# no version in the Server header
proc_name = "hourdesk-web"
accesslog = os.environ.get("HOURDESK_ACCESS_LOG", "-")
errorlog = "-"
# only the reverse proxy on this host may say who the client is
forwarded_allow_ips = os.environ.get("HOURDESK_TRUSTED_PROXIES", "127.0.0.1")


def post_worker_init(worker):
    # what start-up made lives as long as the process: out of the collector's way (see `flask serve`).
    # Not in post_fork: gunicorn calls that before the worker imports the app (preload_app is off),
    # so the app's modules, templates and compiled statements would stay in every full collection.
    gc.collect()
    gc.freeze()
