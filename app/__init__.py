"""Hourdesk: a service desk for IT companies that sell support as prepaid hours."""
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.core.input_guard import BoundedIntConverter
from app.core.uow import UnitOfWorkFlask
from config import Config, config_from_env


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    """Build the application. No migrations, no network, no side effects: just wiring."""
    app = UnitOfWorkFlask(__name__, instance_relative_config=False,
                instance_path=str(Path(__file__).resolve().parent.parent / "instance"))
    # before any route exists: `<int:…>` is at most 64-bit everywhere (a longer number is a 404)
    app.url_map.converters["int"] = BoundedIntConverter
    config = config or config_from_env()
    config.check()
    app.config.from_object(config)
    app.config.update(overrides)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'hourdesk.sqlite3'}"
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["HOURDESK_OFFICE_TIMEZONE"])
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["HOURDESK_OFFICE_TIMEZONE"]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    if not app.config["HOURDESK_ATTACHMENT_DIR"]:
        app.config["HOURDESK_ATTACHMENT_DIR"] = str(Path(app.instance_path) / "attachments")
    # a whole upload: every file at its limit plus the form around them; larger bodies are refused
    # before they are read (413, a clear page)
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = (app.config["HOURDESK_ATTACHMENT_MAX_BYTES"]
                                            * app.config["HOURDESK_ATTACHMENTS_PER_UPLOAD"] + 1024 * 1024)

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)

    from app.auth import access
    from app.auth.operations import user_for_token
    from app.core import input_guard, live, web
    from app.notifications import operations as notifications
    from app.search import operations as search

    web.init_app(app)
    input_guard.init_app(app)
    access.init_app(app)
    live.init_app(app, user_for_token=user_for_token)
    notifications.init_app(app)
    search.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app.core import db_setup, forms, i18n, live, uow, web
    from app.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate, socketio

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = db_setup.engine_options(app.config["SQLALCHEMY_DATABASE_URI"],
                                                                   app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_template_gettext(app)
    forms.install_quick_html_params()
    bootstrap.init_app(app)
    limiter.init_app(app)
    # Browsers from the office's own address only (a page elsewhere, with a staff member's cookie,
    # must not listen in); the voice agent is not a browser and sends no Origin header.
    socketio.init_app(app, message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"], async_mode="threading",
                      cors_allowed_origins=live.origin_check(app), transports=app.config["HOURDESK_SOCKETIO_TRANSPORTS"])
    # after Socket.IO has wrapped the app: its answers carry the headers too
    app.wsgi_app = web.SecurityHeaders(app.wsgi_app, web.security_headers(app.config))
    if app.config["HOURDESK_TRUSTED_PROXIES"]:
        # only then does X-Forwarded-For name the client (the log-in limits count by it)
        proxies = app.config["HOURDESK_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    uow.install(db.session)
    with app.app_context():
        db_setup.configure_engine(db.engine)
    db_setup.init_request_transactions(app)
    # every model module must be imported so Alembic and relationships see all tables
    from app import models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from app.api import bp as api_bp

    # API routes live in each capability package and attach to the one API blueprint.
    from app.api import openapi as _openapi  # noqa: F401  (GET /api/v1/openapi.json)
    from app.audit.routes import bp as audit_bp
    from app.auth import api as _auth_api  # noqa: F401
    from app.auth.routes import bp as auth_bp
    from app.billing import api as _billing_api  # noqa: F401
    from app.billing.routes import bp as billing_bp
    from app.clients import api as _clients_api  # noqa: F401
    from app.clients.routes import bp as clients_bp
    from app.contracts import api as _contracts_api  # noqa: F401
    from app.contracts.routes import bp as contracts_bp
    from app.mailin.routes import bp as mailin_bp
    from app.notifications.routes import bp as notifications_bp
    from app.notifications.routes import notices_bp
    from app.portal.routes import bp as portal_bp
    from app.replies.routes import bp as replies_bp
    from app.reports import api as _reports_api  # noqa: F401
    from app.reports.routes import bp as reports_bp
    from app.sla import api as _sla_api  # noqa: F401
    from app.sla.routes import bp as sla_bp
    from app.tickets import api as _tickets_api  # noqa: F401
    from app.tickets.routes import bp as tickets_bp
    from app.webhooks.routes import bp as webhooks_bp

    for bp in (auth_bp, audit_bp, clients_bp, contracts_bp, sla_bp, tickets_bp, portal_bp, notifications_bp, notices_bp,
               reports_bp, billing_bp, replies_bp, webhooks_bp, mailin_bp, api_bp):
        app.register_blueprint(bp)


def _register_cli(app: Flask) -> None:
    from app.auth.cli import users_cli
    from app.billing.tasks import billing_cli
    from app.contracts.tasks import ledger_cli
    from app.core.backup import backup_command
    from app.demo import demo_cli
    from app.mailin.tasks import fetch_command, receive_command
    from app.notifications.delivery import mail_cli
    from app.scheduler import scheduler_cli
    from app.search.operations import search_cli
    from app.webhooks.tasks import webhooks_cli

    mail_cli.add_command(receive_command)
    mail_cli.add_command(fetch_command)
    for command in (users_cli, demo_cli, ledger_cli, scheduler_cli, mail_cli, billing_cli, search_cli, webhooks_cli,
                    backup_command):
        app.cli.add_command(command)
