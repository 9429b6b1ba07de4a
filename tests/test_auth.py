"""Log-in, sessions, rate limiting, CSRF, the users CLI and configuration checks."""
import pytest
from sqlalchemy import select

from app import create_app
from app.auth.models import User
from config import Config, DevelopmentConfig, TestingConfig
from tests.conftest import PASSWORD


def test_login_and_logout(client, make, db):
    user = make.user("engineer")
    bad = client.post("/login", data={"email": user.email, "password": "wrong"})
    assert bad.status_code == 200 and "Wrong e-mail or password" in bad.get_data(as_text=True)
    ok = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    db.session.refresh(user)
    assert user.last_login_at is not None
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_passwords_are_hashed(make, db):
    user = make.user("engineer")
    assert PASSWORD not in user.password_hash and user.password_hash.startswith(("pbkdf2:", "scrypt:"))
    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.app_context():
        probe = User(email="x@y.example", name="x", role="admin")
        probe.set_password("secret-pass")
        assert probe.password_hash.startswith("scrypt:")


def test_client_contact_lands_in_the_portal(client, make):
    contact = make.user("client")
    response = client.post("/login", data={"email": contact.email, "password": PASSWORD})
    assert response.headers["Location"] == "/portal/"


def test_disabled_user_cannot_log_in(client, make, db):
    user = make.user("engineer")
    user.active = False
    db.session.commit()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("target, expected", [
    ("/tickets/", "/tickets/"), ("https://evil.example/", "/"), ("//evil.example/x", "/"), ("javascript:x", "/")])
def test_next_only_goes_to_this_site(client, make, target, expected):
    user = make.user("engineer")
    response = client.post("/login?next=" + target, data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == expected


def test_login_is_rate_limited(app, make, db):
    limited = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         RATELIMIT_ENABLED=True, HOURDESK_LOGIN_RATE_LIMIT="3 per minute")
    web = limited.test_client()
    statuses = [web.post("/login", data={"email": "a@b.example", "password": "x"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    api = [web.post("/api/v1/tokens", json={"email": "a@b.example", "password": "x"}).status_code for _ in range(5)]
    assert api == [401, 401, 401, 429, 429]
    assert web.post("/api/v1/tokens", json={"email": "a", "password": "x"}).get_json()["error"]["code"] == "too_many_requests"


def test_csrf_is_enforced_on_forms(app, make, db):
    strict = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                        WTF_CSRF_ENABLED=True)
    user = make.user("engineer")
    web = strict.test_client()
    assert web.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 400
    page = web.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert web.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    assert web.post("/logout").status_code == 400     # no token, no logout
    # the API uses bearer tokens, not cookies: no CSRF token needed there
    assert web.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}).status_code == 201


def test_production_requires_a_secret_key(monkeypatch):
    monkeypatch.setattr(Config, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Config)


def test_production_requires_the_address_e_mail_links_use(monkeypatch):
    monkeypatch.setattr(Config, "SECRET_KEY", "s" * 32)
    monkeypatch.setattr(Config, "HOURDESK_BASE_URL", "")
    with pytest.raises(RuntimeError, match="HOURDESK_BASE_URL"):
        create_app(Config)
    monkeypatch.setattr(Config, "HOURDESK_BASE_URL", "https://desk.example.ru")
    app = create_app(Config, SQLALCHEMY_DATABASE_URI="sqlite://")
    with app.app_context():
        from app.notifications.operations import _link
        assert _link("portal.index") == "https://desk.example.ru/portal/"


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setattr(Config, "SECRET_KEY", "s" * 32)
    monkeypatch.setattr(Config, "HOURDESK_BASE_URL", "https://desk.example.ru")
    app = create_app(Config, SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax" and app.config["REMEMBER_COOKIE_SECURE"]


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_users_create_cli(app, make, db):
    company = make.client(inn="7707083893")
    from app.auth.cli import users_cli

    def run(*args):
        return app.test_cli_runner().invoke(users_cli, list(args))

    ok = run("create", "Boss@Hourdesk.example", "--role", "manager", "--password", "long-enough", "--name", "Boss")
    assert ok.exit_code == 0, ok.output
    assert db.session.query(User).filter_by(email="boss@hourdesk.example", role="manager").count() == 1
    dup = run("create", "boss@hourdesk.example", "--role", "engineer", "--password", "long-enough")
    assert dup.exit_code != 0 and "already exists" in dup.output
    contact = run("create", "c@romashka.example", "--role", "client", "--password", "long-enough", "--client-inn", "7707083893")
    assert contact.exit_code == 0, contact.output
    assert db.session.query(User).filter_by(email="c@romashka.example").one().client_id == company.id
    unknown = run("create", "d@x.example", "--role", "client", "--password", "long-enough", "--client-inn", "7736207543")
    assert unknown.exit_code != 0 and "no client with INN" in unknown.output
    orphan = run("create", "e@x.example", "--role", "client", "--password", "long-enough")
    assert orphan.exit_code != 0 and "must belong to a client company" in orphan.output
    weak = run("create", "f@x.example", "--role", "admin", "--password", "short")
    assert weak.exit_code != 0
    bad_role = run("create", "g@x.example", "--role", "king", "--password", "long-enough")
    assert bad_role.exit_code != 0
    assert db.session.query(User).count() == 2


def test_tokens_page_shows_a_new_token_once_and_revokes(client, make, login, db, api):
    login(make.user("engineer"))
    page = client.post("/account/tokens", data={"name": "office speaker"}).get_data(as_text=True)
    raw = page.split('id="new-token">')[1].split("<")[0]
    assert client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert raw not in client.get("/account/tokens").get_data(as_text=True)
    from app.auth.models import ApiToken
    token = db.session.query(ApiToken).one()
    client.post(f"/account/tokens/{token.id}/revoke")
    assert client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_language_switch(client, make, login, db):
    user = login(make.user("engineer"))
    client.get("/lang/ru")
    db.session.refresh(user)
    assert user.locale == "ru"
    assert client.get("/lang/de").status_code == 404


def test_an_admin_cannot_disable_themselves_but_may_disable_and_enable_others(client, make, login, db):
    admin, engineer = make.user("admin"), make.user("engineer")
    login(admin)
    assert client.post(f"/admin/users/{admin.id}/active").status_code == 302
    db.session.refresh(admin)
    assert admin.active
    client.post(f"/admin/users/{engineer.id}/active")
    db.session.refresh(engineer)
    assert not engineer.active
    client.post(f"/admin/users/{engineer.id}/active")
    db.session.refresh(engineer)
    assert engineer.active



def test_wrong_passwords_lock_the_account_until_an_admin_lifts_it(client, make, login, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "HOURDESK_LOGIN_LOCK_AFTER", 3)
    user = make.user("engineer")
    for _ in range(3):
        assert client.post("/login", data={"email": user.email, "password": "wrong-password"}).status_code == 200
    # locked: even the right password is refused now, from any address
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert client.get("/").status_code == 302
    admin = login(make.user("admin"))
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert 'id="locked"' in page
    assert client.post(f"/admin/users/{user.id}/unlock").status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    from app.audit.models import AuditEntry
    unlocked = db.session.scalar(select(AuditEntry).where(AuditEntry.field == "unlocked"))
    assert unlocked.entity_id == user.id and unlocked.actor_id == admin.id


def test_log_in_is_limited_per_account_whatever_the_address(app, make, db):
    user = make.user("engineer")
    limited = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         RATELIMIT_ENABLED=True, HOURDESK_LOGIN_RATE_LIMIT="100 per minute",
                         HOURDESK_LOGIN_ACCOUNT_RATE_LIMIT="3 per minute", HOURDESK_LOGIN_LOCK_AFTER=100)
    web = limited.test_client()
    statuses = [web.post("/login", data={"email": user.email, "password": "x"},
                         environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    other = web.post("/login", data={"email": "someone.else@hourdesk.example", "password": "x"},
                     environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200                                  # another account is not held up


@pytest.mark.parametrize("proxies, limited_after", [(0, 2), (1, None)])
def test_the_client_address_comes_from_a_proxy_header_only_when_configured(app, db, proxies, limited_after):
    web = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                     RATELIMIT_ENABLED=True, HOURDESK_LOGIN_RATE_LIMIT="2 per minute",
                     HOURDESK_TRUSTED_PROXIES=proxies).test_client()
    statuses = [web.post("/login", data={"email": f"u{n}@example.com", "password": "x"},
                         headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(4)]
    # no trusted proxy: a forged X-Forwarded-For changes nothing, one address is limited
    assert statuses == ([200, 200, 429, 429] if limited_after else [200, 200, 200, 200])


def test_the_staff_are_read_from_their_own_index_among_many_contacts(db, make):
    """Every ticket page reads the active staff by name. Among thousands of contacts SQLite's
    statistics (an average per role) make a plain role index look useless, and it read every user;
    the staff's partial index is what its plan names."""
    from sqlalchemy import insert, text

    from app.auth.models import MANAGER_ROLES, STAFF_SQL, staff_role_in
    assert STAFF_SQL == "role IN (" + ", ".join(f"'{r}'" for r in ("admin", "manager", "engineer")) + ")"
    company = make.client()
    db.session.execute(insert(User), [{"email": f"contact{i}@example.ru", "name": f"Контакт {i}", "role": "client",
                                       "client_id": company.id, "password_hash": "!", "locale": "ru"}
                                      for i in range(3000)])
    staff = [make.user("engineer"), make.user("manager"), make.user("admin")]
    db.session.commit()
    postgres = db.engine.dialect.name == "postgresql"
    for roles, expected in ((("admin", "manager", "engineer"), staff), (MANAGER_ROLES, staff[1:])):
        query = select(User).where(staff_role_in(roles), User.active.is_(True)).order_by(User.name)
        assert {u.id for u in db.session.scalars(query)} == {u.id for u in expected}
        # the plan of the statement as the app sends it, parameters and all (a plan of its literal
        # text would hide what parameters do to it)
        compiled = query.compile(db.engine)
        params = compiled.params if postgres else tuple(compiled.params[name] for name in compiled.positiontup)
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE users"))
            plan = " ".join(str(r) for r in conn.exec_driver_sql(
                f"{'EXPLAIN' if postgres else 'EXPLAIN QUERY PLAN'} {compiled}", params))
            if not postgres:   # the statistics stay with this test: other tests' plans assume none
                conn.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'users'"))
                conn.execute(text("ANALYZE sqlite_schema"))
        # PostgreSQL's statistics keep the most common roles, so it knows the staff are few and may
        # take either index; what it must not do is read the table
        assert ("Index" in plan and "Seq Scan" not in plan) if postgres else "ix_users_staff_name" in plan, plan
    with pytest.raises(ValueError):
        staff_role_in(("client",))
