"""Configuration classes, fed by environment variables and checked at start-up.

`HOURDESK_ENV` picks the class: `production` (the default, so nothing runs with weak settings by
accident), `development` (what `make run` uses) or `testing`.
"""
import os
from urllib.parse import urlsplit


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    #: None means "SQLite in the instance folder"; the factory fills the path in.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("HOURDESK_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = 12 * 3600

    WTF_CSRF_TIME_LIMIT = None  # a ticket page may stay open all day

    BABEL_DEFAULT_LOCALE = os.environ.get("HOURDESK_DEFAULT_LOCALE", "ru")
    BABEL_DEFAULT_TIMEZONE = "UTC"
    HOURDESK_LOCALES = ("ru", "en")
    #: Time zone used to show times to staff (clients may have their own).
    HOURDESK_OFFICE_TIMEZONE = os.environ.get("HOURDESK_OFFICE_TIMEZONE", "Europe/Moscow")
    #: the currency contracts, rates and overage are in (ISO 4217); invoices and acts carry their own
    HOURDESK_CURRENCY = os.environ.get("HOURDESK_CURRENCY", "RUB")

    BOOTSTRAP_SERVE_LOCAL = True  # offices may be offline: no CDN

    RATELIMIT_ENABLED = _bool("HOURDESK_RATELIMIT", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    HOURDESK_LOGIN_RATE_LIMIT = os.environ.get("HOURDESK_LOGIN_RATE_LIMIT", "10 per minute")
    #: log-in attempts per account (whatever address they come from), besides those per address
    HOURDESK_LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("HOURDESK_LOGIN_ACCOUNT_RATE_LIMIT", "20 per hour")
    #: this many wrong passwords in a row lock the account for HOURDESK_LOGIN_LOCK_MINUTES (an admin
    #: may unlock it sooner)
    HOURDESK_LOGIN_LOCK_AFTER = int(os.environ.get("HOURDESK_LOGIN_LOCK_AFTER", "10"))
    HOURDESK_LOGIN_LOCK_MINUTES = int(os.environ.get("HOURDESK_LOGIN_LOCK_MINUTES", "30"))
    #: how many reverse proxies in front set X-Forwarded-For/-Proto (0: none; the client address is
    #: then the connection's, and a forged header changes nothing)
    HOURDESK_TRUSTED_PROXIES = int(os.environ.get("HOURDESK_TRUSTED_PROXIES", "0"))

    TICKETS_PER_PAGE = 25
    #: the office speaker repeats an unacknowledged ticket this often, in this language
    HOURDESK_ANNOUNCE_EVERY_MINUTES = float(os.environ.get("HOURDESK_ANNOUNCE_EVERY_MINUTES", "5"))
    #: how often the scheduler looks for announcements to repeat
    HOURDESK_ANNOUNCE_TICK_SECONDS = float(os.environ.get("HOURDESK_ANNOUNCE_TICK_SECONDS", "10"))
    #: a scheduler (or event deliverer) that died gives way to another after this long
    HOURDESK_SCHEDULER_LEASE_SECONDS = float(os.environ.get("HOURDESK_SCHEDULER_LEASE_SECONDS", "30"))
    HOURDESK_OUTBOX_LEASE_SECONDS = float(os.environ.get("HOURDESK_OUTBOX_LEASE_SECONDS", "10"))
    HOURDESK_OFFICE_LOCALE = os.environ.get("HOURDESK_OFFICE_LOCALE", "ru")
    #: quiet hours: the name of a business calendar; outside its working time the speaker stays
    #: silent and announcements wait for the next working interval (empty: announce round the clock)
    HOURDESK_ANNOUNCE_CALENDAR = os.environ.get("HOURDESK_ANNOUNCE_CALENDAR", "")
    #: e.g. redis://127.0.0.1:6379/0 when several web processes serve Socket.IO clients
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
    #: how browsers and agents reach Socket.IO: "polling,websocket" (one process), or "websocket"
    #: when several processes serve it (long-polling would need every request of a client to reach
    #: the same process; WebSocket is one connection to one process)
    HOURDESK_SOCKETIO_TRANSPORTS = [t.strip() for t in os.environ.get(
        "HOURDESK_SOCKETIO_TRANSPORTS", "polling,websocket").split(",") if t.strip()]
    #: how many web processes serve this database (deploy/gunicorn.conf.py reads it too)
    HOURDESK_WEB_PROCESSES = int(os.environ.get("HOURDESK_WEB_PROCESSES", "1"))
    #: how often the web process delivers outbox events to Socket.IO rooms
    HOURDESK_OUTBOX_POLL_SECONDS = float(os.environ.get("HOURDESK_OUTBOX_POLL_SECONDS", "0.25"))
    #: how often the scheduler looks for SLA warnings and breaches
    HOURDESK_SLA_TICK_SECONDS = int(os.environ.get("HOURDESK_SLA_TICK_SECONDS", "30"))
    #: warn engineers when a client's usable minutes fall below this share of its contract grant…
    HOURDESK_LOW_BALANCE_PERCENT = int(os.environ.get("HOURDESK_LOW_BALANCE_PERCENT", "10"))
    #: …or below this many minutes, whichever is more
    HOURDESK_LOW_BALANCE_MINUTES = int(os.environ.get("HOURDESK_LOW_BALANCE_MINUTES", "120"))
    #: the address people open Hourdesk at; links in e-mails start with it
    #: the address people open Hourdesk at: e-mail links are built from it (no request to ask then).
    #: Required in production; development and tests default to the local server.
    HOURDESK_BASE_URL = os.environ.get("HOURDESK_BASE_URL", "")
    #: outgoing mail (empty host: messages wait in the outbox until one is configured)
    HOURDESK_SMTP_HOST = os.environ.get("HOURDESK_SMTP_HOST", "")
    HOURDESK_SMTP_PORT = int(os.environ.get("HOURDESK_SMTP_PORT", "25"))
    HOURDESK_SMTP_USER = os.environ.get("HOURDESK_SMTP_USER", "")
    HOURDESK_SMTP_PASSWORD = os.environ.get("HOURDESK_SMTP_PASSWORD", "")
    #: "starttls", "ssl" or "" (plain, e.g. a local relay)
    HOURDESK_SMTP_SECURITY = os.environ.get("HOURDESK_SMTP_SECURITY", "")
    HOURDESK_SMTP_TIMEOUT = float(os.environ.get("HOURDESK_SMTP_TIMEOUT", "20"))
    HOURDESK_MAIL_FROM = os.environ.get("HOURDESK_MAIL_FROM", "Hourdesk <hourdesk@localhost>")
    #: how often the scheduler sends queued mail; a failed message is retried with growing delays
    #: (1, 2, 4 … 60 minutes) and marked failed after this many attempts (an admin may retry it)
    HOURDESK_MAIL_TICK_SECONDS = float(os.environ.get("HOURDESK_MAIL_TICK_SECONDS", "15"))
    HOURDESK_MAIL_MAX_ATTEMPTS = int(os.environ.get("HOURDESK_MAIL_MAX_ATTEMPTS", "20"))
    #: inbound mail: the largest message taken (a larger one is refused and logged), and how many new
    #: tickets one sender may open by e-mail per hour (more wait in the triage list)
    HOURDESK_MAIL_IN_MAX_BYTES = int(os.environ.get("HOURDESK_MAIL_IN_MAX_BYTES", str(25 * 1024 * 1024)))
    HOURDESK_MAIL_IN_TICKETS_PER_HOUR = int(os.environ.get("HOURDESK_MAIL_IN_TICKETS_PER_HOUR", "10"))
    #: the support mailbox read over IMAP (none: mail comes only through `flask mail receive`);
    #: "ssl" (993), "starttls" or "" (plain, e.g. a local server); taken mail moves to the done folder
    HOURDESK_IMAP_HOST = os.environ.get("HOURDESK_IMAP_HOST", "")
    HOURDESK_IMAP_PORT = int(os.environ.get("HOURDESK_IMAP_PORT", "993"))
    HOURDESK_IMAP_SECURITY = os.environ.get("HOURDESK_IMAP_SECURITY", "ssl")
    HOURDESK_IMAP_USER = os.environ.get("HOURDESK_IMAP_USER", "")
    HOURDESK_IMAP_PASSWORD = os.environ.get("HOURDESK_IMAP_PASSWORD", "")
    HOURDESK_IMAP_FOLDER = os.environ.get("HOURDESK_IMAP_FOLDER", "INBOX")
    HOURDESK_IMAP_DONE_FOLDER = os.environ.get("HOURDESK_IMAP_DONE_FOLDER", "Hourdesk-done")
    HOURDESK_IMAP_FAILED_FOLDER = os.environ.get("HOURDESK_IMAP_FAILED_FOLDER", "Hourdesk-failed")
    HOURDESK_IMAP_TIMEOUT = float(os.environ.get("HOURDESK_IMAP_TIMEOUT", "30"))
    #: how often the job runs; between runs it waits on IDLE where the server offers it
    HOURDESK_IMAP_TICK_SECONDS = float(os.environ.get("HOURDESK_IMAP_TICK_SECONDS", "60"))
    #: how often the scheduler posts webhook deliveries, and how long a receiver may take to answer
    HOURDESK_WEBHOOK_TICK_SECONDS = float(os.environ.get("HOURDESK_WEBHOOK_TICK_SECONDS", "5"))
    HOURDESK_WEBHOOK_TIMEOUT = float(os.environ.get("HOURDESK_WEBHOOK_TIMEOUT", "10"))
    #: tell clients this many days before a lot with minutes left expires
    HOURDESK_EXPIRY_NOTICE_DAYS = int(os.environ.get("HOURDESK_EXPIRY_NOTICE_DAYS", "14"))
    #: where ticket attachments are stored (outside the database); default: instance/attachments
    HOURDESK_ATTACHMENT_DIR = os.environ.get("HOURDESK_ATTACHMENT_DIR", "")
    HOURDESK_ATTACHMENT_MAX_BYTES = int(os.environ.get("HOURDESK_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
    HOURDESK_ATTACHMENTS_PER_UPLOAD = int(os.environ.get("HOURDESK_ATTACHMENTS_PER_UPLOAD", "5"))
    #: the largest bank statement accepted (a year of a busy account fits in a few MB)
    HOURDESK_STATEMENT_MAX_BYTES = int(os.environ.get("HOURDESK_STATEMENT_MAX_BYTES", str(20 * 1024 * 1024)))
    #: how often the scheduler does the billing work that is due (renewals, reminders, acts)
    HOURDESK_BILLING_TICK_MINUTES = int(os.environ.get("HOURDESK_BILLING_TICK_MINUTES", "60"))
    #: a resolved ticket the client neither confirms nor reopens closes itself after this many days
    #: (0: never)
    HOURDESK_AUTO_CLOSE_DAYS = int(os.environ.get("HOURDESK_AUTO_CLOSE_DAYS", "7"))
    #: a contact may reopen a closed ticket for this many days after its close; later the portal
    #: offers a new ticket that refers to it (staff may always reopen)
    HOURDESK_CLIENT_REOPEN_DAYS = int(os.environ.get("HOURDESK_CLIENT_REOPEN_DAYS", "14"))
    #: the office's working time for utilisation reports: the name of a business calendar (SLA
    #: page); empty: Monday–Friday 9–13 and 14–18 with the public holidays of HOURDESK_OFFICE_COUNTRY
    HOURDESK_OFFICE_CALENDAR = os.environ.get("HOURDESK_OFFICE_CALENDAR", "")
    HOURDESK_OFFICE_COUNTRY = os.environ.get("HOURDESK_OFFICE_COUNTRY", "RU")
    #: werkzeug hash method for passwords
    PASSWORD_HASH_METHOD = "scrypt"

    @classmethod
    def check(cls) -> None:
        """Refuse to start with settings that are unsafe for this environment."""
        if not cls.SECRET_KEY:
            raise RuntimeError(
                "SECRET_KEY is not set. Set it in the environment (e.g. "
                "`export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')`), "
                "or use HOURDESK_ENV=development for a local trial."
            )
        if not cls.HOURDESK_BASE_URL.startswith(("http://", "https://")):
            raise RuntimeError(
                "HOURDESK_BASE_URL is not set: e-mails link to the address people open Hourdesk at "
                "(e.g. `export HOURDESK_BASE_URL=https://desk.example.ru`)."
            )
        if cls.ENV_NAME == "production":
            cls._check_production()

    @classmethod
    def _check_production(cls) -> None:
        """What a production start must not get wrong, each with what to do about it."""
        host = urlsplit(cls.HOURDESK_BASE_URL).hostname or ""
        if host in ("localhost", "127.0.0.1", "::1", "0.0.0.0"):   # the development default, or a bare loopback
            raise RuntimeError(
                f"HOURDESK_BASE_URL is {cls.HOURDESK_BASE_URL}: in production it must be the address people "
                "open Hourdesk at (e-mail links and the live events' origin check use it).")
        database = cls.SQLALCHEMY_DATABASE_URI or "sqlite"
        several = cls.HOURDESK_WEB_PROCESSES > 1
        if several and database.startswith("sqlite"):
            raise RuntimeError(
                f"HOURDESK_WEB_PROCESSES is {cls.HOURDESK_WEB_PROCESSES} on SQLite: one database file takes one "
                "writer at a time, so several web processes would queue on its lock. Serve one process "
                "(HOURDESK_WEB_PROCESSES=1), or set DATABASE_URL to PostgreSQL.")
        if several and not cls.SOCKETIO_MESSAGE_QUEUE:
            raise RuntimeError(
                "Several web processes need SOCKETIO_MESSAGE_QUEUE (e.g. redis://127.0.0.1:6379/0): live "
                "events are sent by one process and must reach sockets held by the others.")
        if several and "polling" in cls.HOURDESK_SOCKETIO_TRANSPORTS:
            raise RuntimeError(
                "Several web processes need HOURDESK_SOCKETIO_TRANSPORTS=websocket: a long-polling client's "
                "requests would land on different processes.")
        if several and cls.RATELIMIT_STORAGE_URI.startswith("memory"):
            raise RuntimeError(
                "Several web processes need RATELIMIT_STORAGE_URI (e.g. redis://127.0.0.1:6379/1): log-in "
                "limits kept in one process's memory would multiply by the number of processes.")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    HOURDESK_BASE_URL = os.environ.get("HOURDESK_BASE_URL", "http://127.0.0.1:5000")
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SESSION_COOKIE_SECURE = _bool("HOURDESK_COOKIE_SECURE", False)  # served over plain http locally
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class TestingConfig(Config):
    ENV_NAME = "testing"
    HOURDESK_BASE_URL = "http://127.0.0.1:5000"
    TESTING = True
    SECRET_KEY = "testing"
    SQLALCHEMY_DATABASE_URI = os.environ.get("HOURDESK_TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    BABEL_DEFAULT_LOCALE = "en"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast for tests; still a real salted hash


CONFIGS = {
    "production": Config,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("HOURDESK_ENV", "production")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"HOURDESK_ENV={name!r}: expected one of {', '.join(CONFIGS)}") from None
