"""Log in and out, the language switch, the user's API tokens, and user administration."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.audit.queries import history
from app.auth import operations
from app.auth.access import roles_required
from app.auth.forms import ROLE_LABELS, LoginForm, ResetPasswordForm, TokenForm, UserEditForm, UserForm
from app.auth.models import ApiToken, User
from app.clients.queries import client_by_inn
from app.core.db_setup import writes
from app.core.errors import domain_errors
from app.core.i18n import gettext as _
from app.core.types import utcnow
from app.core.web import load_or_404
from app.extensions import db, limiter

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: never redirect a user to another host after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user: User) -> str:
    return url_for("portal.index") if user.role == "client" else url_for("tickets.home")


def _login_account() -> str:
    """Per-account limit key: the e-mail tried, whichever address tries it."""
    return "login-account:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["HOURDESK_LOGIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["HOURDESK_LOGIN_ACCOUNT_RATE_LIMIT"], methods=["POST"],
               key_func=_login_account)
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong e-mail or password, or the account is disabled."))
        else:
            session.clear()  # a fresh session on login: no fixation
            operations.start_session(user)
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or home_for(user))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    operations.end_session(current_user.login_token)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
@writes
def set_language(code: str):
    if code not in current_app.config["HOURDESK_LOCALES"]:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        operations.set_locale(current_user, code)
    return redirect(_safe_next(request.args.get("next")) or url_for("tickets.home"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _, new_token = operations.issue_token(current_user, form.name.data)
        form = TokenForm(formdata=None)
    items = db.session.scalars(select(ApiToken).where(ApiToken.user_id == current_user.id)
                               .order_by(ApiToken.id.desc())).all()
    return render_template("auth/tokens.html", form=form, tokens=items, new_token=new_token), 422 if form.errors else 200


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    operations.revoke_token(load_or_404(ApiToken, token_id, user_id=current_user.id), actor=current_user)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("auth.tokens"))


def _company_named(form):
    """The client company a contact's form names by INN (None when empty); an unknown INN is an
    error on that field."""
    if not form.client_inn.data:
        return None
    client = client_by_inn(form.client_inn.data)
    if client is None:
        form.client_inn.errors.append(_("No client with this INN."))
    return client


@bp.route("/admin/users", methods=["GET", "POST"])
@roles_required("admin")
def users():
    form = UserForm()
    if form.validate_on_submit():
        client = _company_named(form)
        if not form.errors:
            with domain_errors(form, default="email", fields={"client": "client_inn"}):
                user = operations.create_user(form.email.data, role=form.role.data, password=form.password.data,
                                              name=form.name.data, client=client, locale=form.locale.data,
                                              actor=current_user)
                flash(_("User %(e)s created.", e=user.email), "success")
                return redirect(url_for("auth.users"))
    items = db.session.scalars(select(User).order_by(User.role, User.name)).all()
    return render_template("auth/users.html", form=form, users=items, ROLE_LABELS=ROLE_LABELS), 422 if form.errors else 200


@bp.post("/admin/users/<int:user_id>/active")
@roles_required("admin")
def toggle_active(user_id: int):
    user = load_or_404(User, user_id)
    with domain_errors():
        operations.set_active(user, not user.active, actor=current_user)
    return redirect(url_for("auth.users"))


def _render_user(user: User, form: UserEditForm, *, new_link: str | None = None, status: int = 200):
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())).all()
    return render_template("auth/user_edit.html", user=user, form=form, tokens=tokens, new_link=new_link,
                           changes=history("user", user.id), ROLE_LABELS=ROLE_LABELS, now=utcnow()), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(user_id: int):
    user = load_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if request.method == "GET":
        form.client_inn.data = user.client.inn if user.client else ""
    if form.validate_on_submit():
        client = _company_named(form)
        if not form.errors:
            with domain_errors(form, default="email", fields={"client": "client_inn"}):
                changed = operations.update_user(user, email=form.email.data, name=form.name.data, role=form.role.data,
                                                 client=client, locale=form.locale.data, active=form.active.data,
                                                 actor=current_user)
                flash(_("Saved: %(n)d changes.", n=changed) if changed else _("Nothing has changed."), "success")
                return redirect(url_for("auth.edit_user", user_id=user.id))
    return _render_user(user, form, status=422 if form.errors else 200)


@bp.post("/admin/users/<int:user_id>/password-link")
@roles_required("admin")
def password_link(user_id: int):
    user = load_or_404(User, user_id)
    with domain_errors() as outcome:
        raw = operations.issue_password_reset(user, actor=current_user)
    if outcome.error:
        return redirect(url_for("auth.edit_user", user_id=user.id))
    flash(_("A one-time link has been e-mailed to %(e)s. You may also pass it on yourself.", e=user.email), "success")
    # the same address the e-mail carries: the one the office serves Hourdesk at
    link = current_app.config["HOURDESK_BASE_URL"].rstrip("/") + url_for("auth.reset_password", token=raw)
    return _render_user(user, UserEditForm(obj=user, formdata=None), new_link=link)


@bp.post("/admin/users/<int:user_id>/unlock")
@roles_required("admin")
def unlock(user_id: int):
    operations.unlock(load_or_404(User, user_id), actor=current_user)
    flash(_("The user may log in again."), "success")
    return redirect(url_for("auth.edit_user", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/tokens/<int:token_id>/revoke")
@roles_required("admin")
def revoke_user_token(user_id: int, token_id: int):
    operations.revoke_token(load_or_404(ApiToken, token_id, user_id=user_id), actor=current_user)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("auth.edit_user", user_id=user_id))


@bp.route("/password/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["HOURDESK_LOGIN_RATE_LIMIT"], methods=["POST"])
def reset_password(token: str):
    if operations.reset_link_user(token) is None:
        return render_template("auth/reset_password.html", form=None), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with domain_errors(form, default="password"):
            operations.reset_password(token, form.password.data)
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash(_("Your password is set. Log in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 422 if form.errors else 200
