"""Inbound e-mail through a real IMAP server (Dovecot on loopback) and the local SMTP server
(issue 14): a contact's e-mail becomes a ticket; the engineer's reply reaches the contact; the
contact's reply threads back; an auto-reply to a notice creates nothing; a reader killed mid-batch
loses and doubles nothing; IDLE takes mail as it arrives."""
import itertools
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted
from sqlalchemy import func, select

from app.mailin import imap as imap_reader
from app.mailin.models import InboundMail
from app.tickets.models import Comment, Ticket
from app.tickets.operations import add_comment
from tests.imap_server import MAILBOXES, Dovecot
from tests.test_mail import _send, company, smtp  # noqa: F401  (a company, a real SMTP server)
from tests.test_mail_in import mail

_users = itertools.count()


@pytest.fixture(scope="module")
def dovecot():
    # not under pytest's own temporary folder: that is private to us, and Dovecot's processes run as
    # its own users, which must reach the password file and the mail
    root = Path(tempfile.mkdtemp(prefix="hourdesk-dovecot-"))
    root.chmod(0o755)
    try:
        server = Dovecot(root)
        yield server
        server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot, app, monkeypatch):
    """A fresh mailbox on the server, and the app set to read it."""
    user = MAILBOXES[next(_users)]
    for key, value in {"HOURDESK_IMAP_HOST": "127.0.0.1", "HOURDESK_IMAP_PORT": dovecot.port,
                       "HOURDESK_IMAP_SECURITY": "", "HOURDESK_IMAP_USER": user, "HOURDESK_IMAP_PASSWORD": "secret",
                       "HOURDESK_IMAP_TIMEOUT": 10}.items():
        monkeypatch.setitem(app.config, key, value)

    class Box:
        def deliver(self, raw: bytes) -> None:
            with MailBoxUnencrypted("127.0.0.1", dovecot.port).login(user, "secret") as box:
                box.append(raw, "INBOX")

        def count(self, folder: str) -> int:
            with MailBoxUnencrypted("127.0.0.1", dovecot.port).login(user, "secret") as box:
                if not box.folder.exists(folder):
                    return 0
                box.folder.set(folder)
                return len(box.uids("ALL"))
    return Box()


def _count(db, model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_conversation_by_email_through_imap_and_smtp(db, company, mailbox, smtp):  # noqa: F811
    mailbox.deliver(mail(sender="anna@alpha.example", subject="Не работает VPN", text="Не подключается VPN."))
    report = imap_reader.fetch_mail(holder="test")
    assert (report.taken, report.failed, report.idle) == (1, 0, True)
    ticket = db.session.scalars(select(Ticket)).one()
    assert (ticket.channel, ticket.requester_id) == ("email", company.contact.id)
    assert (mailbox.count("INBOX"), mailbox.count("Hourdesk-done")) == (0, 1)
    # the engineer answers on the desk; the contact gets it by mail
    add_comment(db.session.get(Ticket, ticket.id), company.engineer, "Переустановите клиент VPN, пожалуйста.")
    db.session.commit()
    _send()
    (_rcpt, notice), = [(r, m) for r, m in smtp.messages if "Reply on ticket" in m["Subject"]]
    # the contact's mail program answers it, quoting it
    quoted = "\n".join("> " + line for line in notice.get_content().splitlines())
    mailbox.deliver(mail(sender="anna@alpha.example", subject="Re: " + notice["Subject"],
                         headers={"In-Reply-To": notice["Message-ID"], "References": notice["References"]},
                         text=f"Помогло!\n\nOn Mon, 30 Nov 2026 at 12:00, Hourdesk wrote:\n{quoted}"))
    # and an out-of-office answers it too
    mailbox.deliver(mail(sender="anna@alpha.example", subject="Автоответ: " + notice["Subject"],
                         headers={"In-Reply-To": notice["Message-ID"], "Auto-Submitted": "auto-replied"},
                         text="Я в отпуске до понедельника."))
    assert imap_reader.fetch_mail(holder="test").taken == 2
    comments = db.session.scalars(select(Comment).where(Comment.ticket_id == ticket.id).order_by(Comment.id)).all()
    assert [c.body for c in comments] == ["Переустановите клиент VPN, пожалуйста.", "Помогло!"]
    assert _count(db, Ticket) == 1 and _count(db, InboundMail, InboundMail.status == "ignored") == 1
    smtp.messages.clear()
    _send()
    assert not any("отпуске" in m.get_content() for _r, m in smtp.messages)   # no notice answers the auto-reply


def test_a_reader_killed_mid_batch_loses_and_doubles_nothing(db, company, mailbox, monkeypatch):  # noqa: F811
    for n in range(6):
        mailbox.deliver(mail(sender="anna@alpha.example", subject=f"Письмо {n}"))
    real_move, moves = imap_reader._move, []

    def killed_on_the_third(box, uid, folder):
        moves.append(uid)
        if len(moves) == 3:   # the third message committed, and the process dies before the move
            raise SystemExit("killed")
        real_move(box, uid, folder)
    monkeypatch.setattr(imap_reader, "_move", killed_on_the_third)
    with pytest.raises(SystemExit):
        imap_reader.fetch_mail(holder="test")
    monkeypatch.setattr(imap_reader, "_move", real_move)
    db.session.rollback()
    assert _count(db, Ticket) == 3 and mailbox.count("INBOX") == 4
    report = imap_reader.fetch_mail(holder="test")   # the next run: the third is found recorded, moved
    assert report.taken == 4
    subjects = sorted(db.session.scalars(select(Ticket.subject)))
    assert subjects == [f"Письмо {n}" for n in range(6)]
    assert (mailbox.count("INBOX"), mailbox.count("Hourdesk-done")) == (0, 6)


def test_two_readers_at_once_take_each_message_once(db, company, mailbox, app):  # noqa: F811
    for n in range(8):
        mailbox.deliver(mail(sender="anna@alpha.example", subject=f"Параллельно {n}"))
    errors = []

    def reader(name):
        try:
            with app.app_context():
                imap_reader.fetch_mail(holder=name)
        except Exception as exc:   # a second reader may find a message moved under it: not an error here
            errors.append(exc)
    threads = [threading.Thread(target=reader, args=(f"reader-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    imap_reader.fetch_mail(holder="test")    # whatever the lease kept the second one from
    assert _count(db, Ticket) == 8 and _count(db, InboundMail) == 8
    assert mailbox.count("INBOX") == 0


def test_idle_takes_mail_as_it_arrives(db, company, mailbox, app):  # noqa: F811
    def later():
        time.sleep(1.0)
        mailbox.deliver(mail(sender="anna@alpha.example", subject="Пока ждали"))
    threading.Thread(target=later).start()
    started = time.monotonic()
    report = imap_reader.fetch_mail(holder="test", idle_seconds=6)
    assert report.idle and report.taken == 1
    assert time.monotonic() - started >= 5.5    # it kept waiting after taking it, until its time was up
    assert db.session.scalars(select(Ticket.subject)).one() == "Пока ждали"
