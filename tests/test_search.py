"""Finding tickets (issue 12): number, subject, description, comments (internal ones for staff
only), client name and INN; Russian and English word forms; ranked; kept in step with changes."""
from sqlalchemy import select

from app.clients.operations import update_client
from app.search.models import TicketSearch
from app.search.operations import rebuild
from app.search.text import query_terms, terms
from app.tickets.operations import add_comment, update_ticket
from app.tickets.queries import ticket_list_query


def _found(db, q, **kw):
    return [t.id for t in db.session.scalars(ticket_list_query(q=q, **kw))]


def test_words_are_stemmed_in_russian_and_english():
    assert terms("Принтеры не печатают") == terms("принтер не печатает")
    assert terms("Оплата счёта") == terms("оплаты счета")
    assert terms("printers printing") == "printer print"
    assert query_terms("1С: обновление, 1С!") == ["1с", "обновлен"]
    assert query_terms("%_\"'") == []


def test_search_covers_subject_description_comments_client_and_inn(make, db):
    engineer = make.user("engineer")
    romashka = make.client(name="ООО «Ромашка»", inn="7707083893")
    printer = make.ticket(client=romashka, actor=engineer, subject="Не печатает принтер в бухгалтерии")
    payment = make.ticket(actor=engineer, subject="Вопрос", description="Как провести оплату счёта за декабрь?")
    update = make.ticket(actor=engineer, subject="Звонок")
    add_comment(update, engineer, "Поставили обновление конфигурации 1С", public=True)
    secret = make.ticket(actor=engineer, subject="Сервер")
    add_comment(secret, engineer, "Пароль администратора сменён", public=False)
    db.session.commit()
    assert _found(db, "принтеры") == [printer.id]                 # another form of the word
    assert _found(db, "ПЕЧАТАЮТ бухгалтерия") == [printer.id]     # every word, any case and form
    assert _found(db, "оплата счета") == [payment.id]             # the description, ё or е
    assert _found(db, "обновления 1с") == [update.id]             # a public comment
    assert _found(db, "пароль") == [secret.id]                    # staff find internal comments
    assert _found(db, "пароль", internal=False) == []             # contacts never do
    assert _found(db, "ромашка") == [printer.id] and _found(db, "7707083893") == [printer.id]
    assert _found(db, "принт") == [printer.id]                    # a word being typed
    assert _found(db, f"#{payment.id}")[0] == payment.id and _found(db, str(update.id))[0] == update.id
    assert _found(db, "принтер факс") == []                       # all words must be there
    assert _found(db, "!!!") == []


def test_results_are_ranked_subject_first(make, db):
    engineer = make.user("engineer")
    in_description = make.ticket(actor=engineer, subject="Заявка", description="Иногда зависает сканер")
    in_subject = make.ticket(actor=engineer, subject="Сканер не сканирует", description="С утра")
    old_comment = make.ticket(actor=engineer, subject="Прочее")
    add_comment(old_comment, engineer, "Проверили сканер, всё в порядке", public=True)
    db.session.commit()
    found = _found(db, "сканер")
    assert found[0] == in_subject.id and set(found) == {in_subject.id, in_description.id, old_comment.id}
    assert _found(db, "сканер", sort="oldest") == sorted(found)   # another order when asked for


def test_the_index_follows_changes(make, login, client, db):
    engineer = make.user("engineer")
    company = make.client(name="ООО «Ландыш»", inn="7736207543")
    ticket = make.ticket(client=company, actor=engineer, subject="Сломался принтер")
    update_ticket(ticket, engineer, subject="Сломался сканер", description="Модель Canon LiDE")
    db.session.commit()
    assert _found(db, "принтер") == [] and _found(db, "canon") == [ticket.id]
    add_comment(ticket, engineer, "Заменили кабель USB", public=True)
    db.session.commit()
    assert _found(db, "кабеля") == [ticket.id]
    manager = make.user("manager")
    update_client(company, name="ООО «Василёк»", inn="7736207543", account_manager=manager, actor=manager)
    db.session.commit()
    assert _found(db, "ландыш") == [] and _found(db, "василек") == [ticket.id]   # ё or е
    # what a rebuild writes is what the operations wrote
    before = {(r.ticket_id, r.subject_terms, r.body_terms, r.internal_terms, r.client_terms)
              for r in db.session.scalars(select(TicketSearch))}
    assert rebuild() == 1
    db.session.commit()
    assert before == {(r.ticket_id, r.subject_terms, r.body_terms, r.internal_terms, r.client_terms)
                      for r in db.session.scalars(select(TicketSearch))}


def test_search_over_http_for_staff_and_through_the_api_for_contacts(make, login, client, db):
    company = make.client()
    contact = make.user("client", client=company)
    engineer = make.user("engineer")
    ticket = make.ticket(client=company, actor=engineer, subject="Не работает почта")
    add_comment(ticket, engineer, "Клиент должен за прошлый месяц", public=False)
    db.session.commit()
    login(engineer)
    page = client.get("/tickets/?q=прошлого+месяца").get_data(as_text=True)
    assert f'data-ticket-id="{ticket.id}"' in page
    token = make.token(contact)
    found = client.get("/api/v1/tickets?q=почты", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [t["id"] for t in found["items"]] == [ticket.id]
    hidden = client.get("/api/v1/tickets?q=прошлый", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert hidden["items"] == [] and hidden["total"] == 0


def test_too_many_matches_come_newest_first_with_a_count(make, login, client, db, monkeypatch):
    """Past RANK_AT_MOST matches nothing is scored: the list's order, and a count (PostgreSQL:
    the planner's estimate, marked as such) instead of counting every row."""
    from app.search import queries as search_queries
    monkeypatch.setattr(search_queries, "RANK_AT_MOST", 2)
    engineer = make.user("engineer")
    ids = [make.ticket(actor=engineer, subject=f"Принтер {i}", description="принтер " * i).id for i in range(1, 6)]
    assert _found(db, "принтер") == sorted(ids, reverse=True)
    login(engineer)
    page = client.get("/tickets/?q=принтеры").get_data(as_text=True)
    assert all(f'data-ticket-id="{i}"' in page for i in ids)
    count = page.split('id="ticket-count">', 1)[1].split("<", 1)[0]
    assert count == "5 tickets" if db.engine.dialect.name == "sqlite" else count.startswith("about ")


def test_a_word_in_millions_counts_to_the_cap_and_pages_from_the_index(make, login, client, db, monkeypatch):
    """A plain search with more matches than COUNT_AT_MOST says "N+" (PostgreSQL: "about N") and
    lists them newest registered first, a page at a time, to the deepest page; a filter or another
    sort takes the list's own order."""
    from app.core import paging
    from app.search import queries as search_queries
    monkeypatch.setattr(search_queries, "RANK_AT_MOST", 2)
    monkeypatch.setattr(paging, "COUNT_AT_MOST", 6)
    engineer, customer = make.user("engineer"), make.client()
    ids = [make.ticket(client=customer, actor=engineer, subject=f"Принтер {i}",
                       priority="low" if i % 2 else "high").id for i in range(1, 10)]
    login(engineer)
    monkeypatch.setitem(client.application.config, "TICKETS_PER_PAGE", 3)

    def listed(query):
        page = client.get("/tickets/" + query).get_data(as_text=True)
        rows = [int(part.split('"', 1)[0]) for part in page.split('data-ticket-id="')[1:]]
        return page.split('id="ticket-count">', 1)[1].split("<", 1)[0], rows

    count, rows = listed("?q=принтер")
    assert rows == ids[::-1][:3]
    assert count == "6+ tickets" if db.engine.dialect.name == "sqlite" else count.startswith("about ")
    assert listed("?q=принтер&page=2")[1] == ids[::-1][3:6]
    assert listed("?q=принтер&page=3")[1] == ids[::-1][3:6]          # no deeper than the cap
    assert listed("?q=принтер&sort=oldest")[1] == ids[:3]
    high = [i for i in ids[::-1] if (ids.index(i) + 1) % 2 == 0]
    # a filter over that many matches is not counted: the page says what it has seen so far
    assert listed("?q=принтер&priority=high") == ("3+ tickets", high[:3])
    assert listed("?q=принтер&priority=high&page=2") == ("4 tickets", high[3:])
    assert listed(f"?q=принтер&client_id={customer.id}&sort=oldest") == ("3+ tickets", ids[:3])


def test_a_registered_ticket_is_indexed_as_a_rebuild_would_index_it(make, db):
    """Registering indexes the new ticket from the session's objects, without reading it back;
    the row must be the one a rebuild writes (and a comment in the same transaction still counts)."""
    from app.tickets.operations import create_ticket
    engineer, customer = make.user("engineer"), make.client(name="ООО «Ромашка»")

    def rows():
        return {r.ticket_id: (r.client_id, r.subject_terms, r.body_terms, r.internal_terms, r.client_terms)
                for r in db.session.scalars(select(TicketSearch))}

    plain = create_ticket(engineer, customer, subject="Не печатает принтер", description="После обновления драйвера")
    db.session.commit()
    talked = create_ticket(engineer, customer, subject="VPN", description="")
    add_comment(talked, engineer, "Переустановили клиент VPN", public=False)
    db.session.commit()
    registered = rows()
    assert registered[plain.id][1:3] == (terms("Не печатает принтер"), terms("После обновления драйвера"))
    assert registered[talked.id][3] == terms("Переустановили клиент VPN")
    rebuild()
    db.session.commit()
    assert rows() == registered
