"""Client companies: create, edit, search, the picker and contacts."""
from app.auth.models import User
from app.clients.models import Client
from app.clients.operations import search_key
from app.clients.queries import picker_results

FORM = {"name": "ООО «Ромашка»", "inn": "7707083893", "country": "", "timezone": "Europe/Moscow"}


def test_create_edit_and_list(client, make, login, db):
    manager = make.user("manager")
    login(make.user("engineer"))
    # every client has an account manager: the form offers no "nobody" and starts on the office's manager
    form = client.get("/clients/new").get_data(as_text=True)
    assert f'<option selected value="{manager.id}">' in form or f'value="{manager.id}" selected' in form
    assert 'value="0"' not in form
    response = client.post("/clients/new", data={**FORM, "account_manager_id": manager.id})
    assert response.status_code == 302
    company = db.session.query(Client).one()
    assert (company.inn, company.country, company.name_search) == ("7707083893", "RU", "ромашка")
    assert company.account_manager_id == manager.id
    assert client.post(f"/clients/{company.id}/edit", data={**FORM, "account_manager_id": 0}).status_code == 422
    response = client.post(f"/clients/{company.id}/edit", data={**FORM, "name": "АО Ромашка-Плюс", "inn": "32855961",
                                                                 "active": "y", "account_manager_id": manager.id})
    assert response.status_code == 302
    db.session.refresh(company)
    assert (company.name, company.inn, company.country) == ("АО Ромашка-Плюс", "32855961", "UA")
    assert "Ромашка-Плюс" in client.get("/clients/?q=ромашка").get_data(as_text=True)


def test_bad_input_is_shown_on_the_form_and_writes_nothing(client, make, login, db):
    manager = make.user("manager")
    login(make.user("engineer"))
    make.client(inn="7736207543", name="Existing")
    for data, message in [({"inn": "7707083894"}, "Invalid tax id"), ({"inn": "7736207543"}, "already belongs to Existing"),
                          ({"name": ""}, "This field is required"), ({"timezone": "Mars/Base"}, "Unknown time zone"),
                          ({"inn": "7707083893", "country": "UA"}, "EDRPOU")]:
        response = client.post("/clients/new", data={**FORM, "account_manager_id": manager.id, **data})
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert db.session.query(Client).count() == 1


def test_search_key_ignores_legal_form_quotes_and_case():
    assert search_key('ООО «Ромашка»') == "ромашка"
    assert search_key('  ИП   Пётр  Петров ') == "петр петров"
    assert search_key("ООО") == "ооо"


def test_picker_by_name_prefix_and_inn_prefix(client, make, login, db):
    login(make.user("engineer"))
    romashka = make.client(name='ООО «Ромашка»', inn="7707083893")
    make.client(name="АО Роща", inn="7736207543")
    make.client(name="Лютик_100%", inn="32855961")
    assert [c.id for c in picker_results("ром")] == [romashka.id]
    assert {c.name for c in picker_results("Ро")} == {'ООО «Ромашка»', "АО Роща"}
    assert [c.id for c in picker_results("7707")] == [romashka.id]
    assert [c.name for c in picker_results("ооо ромаш")] == ['ООО «Ромашка»']
    assert picker_results("%") == [] and picker_results("_") == []   # LIKE wildcards are literal
    assert [c.name for c in picker_results("лютик_100%")] == ["Лютик_100%"]
    assert picker_results("") == []
    fragment = client.get("/clients/picker?q=7707").get_data(as_text=True)
    assert "Ромашка" in fragment and f"/tickets/new/client/{romashka.id}" in fragment
    assert "No client matches" in client.get("/clients/picker?q=zzz").get_data(as_text=True)


def test_inactive_clients_are_not_offered(make, db):
    company = make.client(name="Старый клиент")
    company.active = False
    db.session.commit()
    assert picker_results("стар") == []


def test_add_contact(client, make, login, db):
    login(make.user("engineer"))
    company = make.client()
    response = client.post(f"/clients/{company.id}/contacts", data={
        "name": "Иван", "email": "Ivan@Romashka.example", "password": "12345678", "locale": "ru"})
    assert response.status_code == 302
    contact = db.session.query(User).filter_by(role="client").one()
    assert (contact.email, contact.client_id) == ("ivan@romashka.example", company.id)
    again = client.post(f"/clients/{company.id}/contacts", data={
        "name": "Иван", "email": "ivan@romashka.example", "password": "12345678", "locale": "ru"})
    assert again.status_code == 422 and "already exists" in again.get_data(as_text=True)


def test_picked_client_fragment_lists_contacts(client, make, login):
    login(make.user("engineer"))
    company = make.client()
    contact = make.user("client", client=company, name="Мария Контактова")
    fragment = client.get(f"/tickets/new/client/{company.id}").get_data(as_text=True)
    assert f'name="client_id" value="{company.id}"' in fragment and "Мария Контактова" in fragment
    assert f'value="{contact.id}"' in fragment
    assert client.get("/tickets/new/client/999999").status_code == 404


def test_picker_search_uses_the_indexes(db, make):
    """10,000 clients must not mean a table scan per keystroke: the plan names the index.

    On PostgreSQL a tiny table is scanned anyway, so sequential scans are switched off to prove the
    text_pattern_ops index can serve the prefix LIKE whatever the database collation."""
    from sqlalchemy import text

    from app.clients.queries import client_search
    postgres = db.engine.dialect.name == "postgresql"
    for q, index in (("ром", "ix_clients_name_search"), ("7707", "ix_clients_inn_pattern")):
        compiled = client_search(q).limit(10).compile(db.engine, compile_kwargs={"literal_binds": True})
        with db.engine.begin() as conn:
            if postgres:
                conn.execute(text("SET LOCAL enable_seqscan = off"))
                plan = " ".join(str(r) for r in conn.execute(text(f"EXPLAIN {compiled}")))
            else:
                plan = " ".join(str(r) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert index in plan, plan


def test_a_client_registered_without_a_named_manager_gets_the_offices(make, db, api):
    engineer = make.user("engineer")
    first = make.user("manager")
    make.user("manager")
    created = api(engineer).post("/api/v1/clients", json={"name": "ООО Лютик", "inn": "7736207543"})
    assert created.status_code == 201
    assert db.session.get(Client, created.json["id"]).account_manager_id == first.id
