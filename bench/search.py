"""Ticket search latency on 100,000 tickets with descriptions and comments (issue 12's figure).

Usage: .venv/bin/python bench/search.py [--tickets N] [--runs R] [--database-url URL]
Builds the database once in bench/out/ (migrations, demo data, `demo generate`), gives every
generated ticket a description of 15–80 words and 2–6 comments (a third of them internal) in Russian
and English, indexes them, then times full HTTP requests of the engineers' list with `q=` (routing,
ranking, count, template) and prints p50/p95 in milliseconds per kind of query.
"""
import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HOURDESK_ENV", "development")

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select, text, update  # noqa: E402

from app import create_app  # noqa: E402
from app.clients.models import Client  # noqa: E402
from app.demo import DEMO_PASSWORD, demo_cli  # noqa: E402
from app.extensions import db  # noqa: E402
from app.search.models import TicketSearch  # noqa: E402
from app.search.operations import rebuild  # noqa: E402
from app.tickets.models import Comment, Ticket  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

RU = ("не печатает принтер бухгалтерии картридж замятие бумаги драйвер обновление конфигурации 1С бухгалтерия "
      "зарплата отчёт налоговая сервер перезагрузка почта пароль учётная запись блокировка доступ сеть роутер "
      "интернет скорость медленно работает компьютер монитор клавиатура мышь звонок оплата счёт акт договор "
      "резервная копия база данных ошибка при входе программа зависает удалённый рабочий стол кассa чек "
      "фискальный накопитель смена ЕГАИС маркировка честный знак склад остатки выгрузка загрузка банк клиент "
      "выписка платёжка электронная подпись сертификат истёк продлить лицензия антивирус вирус шифровальщик "
      "восстановить файлы папка общий диск права пользователя новый сотрудник уволился отключить телефония "
      "гарнитура камера видеосвязь обновить windows перенос данных ноутбук сломался экран заряд батарея").split()
EN = ("printer not printing paper jam driver update backup failed server restart mailbox password reset account "
      "locked access network router wifi slow laptop screen broken battery license expired certificate vpn "
      "connection remote desktop error message database invoice payment contract report export import outlook "
      "calendar sharing permissions folder drive antivirus ransomware restore files new employee offboarding "
      "phone headset camera meeting windows upgrade migration").split()
RARE = ["гиперконвергентный", "квантование", "ferroelectric", "штрихкодирование", "автопродление"]


def sentence(rng: random.Random, n: int) -> str:
    vocabulary = RU if rng.random() < 0.8 else EN
    words = [rng.choice(vocabulary) for _ in range(n)]
    if rng.random() < 0.002:
        words.append(rng.choice(RARE))
    return " ".join(words).capitalize() + "."


def enrich(rng: random.Random, batch: int = 5000) -> int:
    """Descriptions and comments for the tickets that have none; the number of comments written."""
    author = db.session.scalar(select(func.min(Ticket.created_by_id)))
    written, last = 0, 0
    while rows := db.session.execute(select(Ticket.id, Ticket.created_at).where(Ticket.id > last,
                                                                                Ticket.description == "")
                                     .order_by(Ticket.id).limit(batch)).all():
        db.session.execute(update(Ticket), [{"id": r.id, "description": " ".join(
            sentence(rng, rng.randint(5, 16)) for _ in range(rng.randint(2, 5)))} for r in rows])
        comments = [{"ticket_id": r.id, "author_id": author, "body": sentence(rng, rng.randint(4, 25)),
                     "public": rng.random() > 0.33, "created_at": r.created_at + timedelta(hours=k + 1)}
                    for r in rows for k in range(rng.randint(2, 6))]
        db.session.execute(insert(Comment), comments)
        written += len(comments)
        last = rows[-1].id
    return written


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    url = args.database_url or f"sqlite:///{out / f'search-{args.tickets}.sqlite3'}"
    app = create_app(SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    rng = random.Random(7)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        if db.session.scalar(select(func.count(Ticket.id))) < args.tickets:
            runner = app.test_cli_runner()
            started = time.perf_counter()
            runner.invoke(demo_cli, ["load"])
            result = runner.invoke(demo_cli, ["generate", "--tickets", str(args.tickets), "--clients",
                                              str(args.clients)])
            print(result.output.strip(), f"in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            comments = enrich(rng)
            db.session.commit()
            print(f"descriptions and {comments} comments in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            indexed = rebuild()
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            print(f"indexed {indexed} tickets in {time.perf_counter() - started:.1f} s "
                  f"({indexed / (time.perf_counter() - started):.0f} tickets/s)")
        tickets = db.session.scalar(select(func.count(Ticket.id)))
        comments = db.session.scalar(select(func.count(Comment.id)))
        indexed = db.session.scalar(select(func.count(TicketSearch.ticket_id)))
        names = [n.split("«")[-1].split(" ")[0] for n in db.session.scalars(select(Client.name).limit(300))]
        inns = list(db.session.scalars(select(Client.inn).limit(300)))
        top = db.session.scalar(select(func.max(Ticket.id)))
    print(f"database: {url.split('///')[-1] if url.startswith('sqlite') else url.split('@')[-1]}")
    print(f"data: {tickets} tickets, {comments} comments, {indexed} indexed")

    web = app.test_client()
    response = web.post("/login", data={"email": "engineer@hourdesk.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.status_code
    cases = {
        "one common word": lambda: rng.choice(["принтер", "сервер", "пароль", "оплата", "backup", "vpn"]),
        "word forms (ru)": lambda: rng.choice(["принтеры", "оплаты счетов", "паролей", "серверами"]),
        "two words": lambda: " ".join(rng.sample(RU, 2)),
        "three words": lambda: " ".join(rng.sample(RU, 3)),
        "rare word": lambda: rng.choice(RARE),
        "prefix being typed": lambda: rng.choice(["прин", "бухг", "серт", "licen"]),
        "client name": lambda: rng.choice(names),
        "INN": lambda: rng.choice(inns),
        "ticket number": lambda: f"#{rng.randint(1, top)}",
        "active + word": lambda: rng.choice(["принтер", "почта", "1С"]) + "&status=active",
    }
    print(f"{'query':<24} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   ({args.runs} requests each)")
    worst = 0.0
    for name, make_query in cases.items():
        for _ in range(5):  # warm caches
            web.get("/tickets/?q=" + make_query())
        timings = []
        for _ in range(args.runs):
            target = "/tickets/?q=" + make_query()
            started = time.perf_counter()
            response = web.get(target)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (target, response.status_code)
        worst = max(worst, percentile(timings, 95))
        print(f"{name:<24} {statistics.median(timings):8.1f} {percentile(timings, 95):8.1f} {max(timings):8.1f}")
    print(f"worst p95: {worst:.1f} ms (target < 60)")


if __name__ == "__main__":
    main()
