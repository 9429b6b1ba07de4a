"""Reading one incoming e-mail (pure: bytes in, plain facts out; no app, no database).

Broken MIME, unknown charsets and HTML-only messages all give text: the standard library's parser
is lenient and records what it found wrong (`defects`), an unknown charset falls back to UTF-8 and
then windows-1251 with replacement characters, and HTML is turned into text by inscriptis. The new
part of a reply is found by our own marker line first, then by the quoting conventions of common
mail programs (mail-parser-reply, with Russian patterns added)."""
import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses

from inscriptis import get_text
from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE

#: the line our notices put above the quoted text; whatever a person writes above it is the reply
REPLY_MARKER = "##- "
#: "[#123]" in a subject: the ticket a message is about
TICKET_TAG = re.compile(r"\[#(\d{1,18})\]")
#: the Message-ID of our notices about a ticket: <hourdesk.t123.m456@host>
OUR_MESSAGE_ID = re.compile(r"<hourdesk\.t(\d{1,18})\.m\d+@[^>]*>")
_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|noreply-dmarc-support)@", re.I)

# Russian quoting conventions, registered in the parser's own language table (it has none for ru)
MAIL_LANGUAGES.setdefault("ru", {
    "wrote_header": r"^(" + QUOTED_MATCH_INCLUDE + r".{0,200}?(?:пишет|написал|написала|написал\(а\))\s?:)$",
    "from_header": r"((?:(?:^|\n|\n" + QUOTED_MATCH_INCLUDE
                   + r")[* ]*(?:От|Отправлено|Кому|Тема|Дата|Копия):[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})",
    "disclaimers": [r"Конфиденциально:", r"Внимание:"],
    "signatures": ["С уважением", "С наилучшими пожеланиями", "Спасибо,", "Всего доброго"],
    "sent_from": "Отправлено с iPhone|Отправлено из мобильной Почты|Отправлено с моего",
})
_REPLIES = EmailReplyParser(languages=["ru", "en"])


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass
class Incoming:
    message_id: str
    subject: str
    from_addr: str
    from_name: str
    text: str
    #: Message-IDs this one answers (In-Reply-To first, then References, newest first)
    refers_to: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    #: why no person is waiting for an answer (an auto-reply, a bounce, bulk mail); None: a person wrote
    noise: str | None = None
    html_only: bool = False
    defects: list[str] = field(default_factory=list)

    @property
    def ticket_tag(self) -> int | None:
        found = TICKET_TAG.search(self.subject)
        return int(found.group(1)) if found else None

    @property
    def referenced_ticket(self) -> int | None:
        """The ticket of one of our notices this message answers, if it names one."""
        for ref in self.refers_to:
            if found := OUR_MESSAGE_ID.fullmatch(ref):
                return int(found.group(1))
        return None

    @property
    def domain(self) -> str:
        return self.from_addr.rpartition("@")[2]


def parse(raw: bytes) -> Incoming:
    message: EmailMessage = email.message_from_bytes(raw, policy=policy.default)
    defects = [type(d).__name__ for d in message.defects]
    name, addr = _sender(message)
    text, html_only = _body(message, defects)
    message_id = message_key(_header(message, "Message-ID"), raw)
    refs = re.findall(r"<[^<>\s]+>", _header(message, "In-Reply-To"))
    refs += list(reversed(re.findall(r"<[^<>\s]+>", _header(message, "References"))))
    return Incoming(message_id=message_id, subject=" ".join(_header(message, "Subject").split())[:255],
                    from_addr=addr, from_name=name, text=text, refers_to=refs,
                    attachments=list(_attachments(message, defects)), noise=_noise(message, addr),
                    html_only=html_only, defects=defects)


def message_key(header: str, raw: bytes) -> str:
    """The key a message is taken once by: its Message-ID, or without a usable one a hash of the
    message itself, so the same message read twice is still one."""
    message_id = (header or "").strip()
    if re.fullmatch(r"<[^<>\s]{1,240}>", message_id):
        return message_id
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@hourdesk.invalid>"


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
        return str(value) if value is not None else ""
    except (ValueError, IndexError, TypeError):   # a header too broken to decode
        values = message.get_all(name, failobj=[""])
        return str(values[0]) if values else ""


def _sender(message: EmailMessage) -> tuple[str, str]:
    pairs = getaddresses([_header(message, "From")])
    name, addr = pairs[0] if pairs else ("", "")
    addr = addr.strip().lower()
    return name.strip()[:200], addr if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", addr) else ""


def _noise(message: EmailMessage, addr: str) -> str | None:
    auto = _header(message, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id", "List-Unsubscribe"):
        if message.get(name) is not None:
            return f"{name} header"
    if "Return-Path" in message and _header(message, "Return-Path").strip() in ("<>", ""):
        return "empty Return-Path"
    if message.get_content_type() == "multipart/report" or any(
            part.get_content_type() in ("message/delivery-status", "message/disposition-notification")
            for part in message.walk()):
        return "delivery status notification"
    if not addr:
        return "no sender address"
    if _BOUNCE_SENDERS.match(addr):
        return f"sent by {addr.partition('@')[0]}"
    return None


def _decode(part) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8", "windows-1251"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", errors="replace")


def _body(message: EmailMessage, defects: list[str]) -> tuple[str, bool]:
    plain = html = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = _decode(part)
        elif kind == "text/html" and html is None:
            html = _decode(part)
    if plain is not None and plain.strip():
        return _clean(plain), False
    if html is not None:
        try:
            return _clean(get_text(html)), True
        except Exception:   # inscriptis on markup too broken to read: keep the words at least
            defects.append("UnreadableHTML")
            return _clean(re.sub(r"<[^>]*>", " ", html)), True
    return "", False


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = text.encode("utf-8", errors="replace").decode("utf-8")   # no lone surrogates past here
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()


def _attachments(message: EmailMessage, defects: list[str]):
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        if part.get_content_disposition() != "attachment" and not filename:
            continue
        try:
            content = part.get_payload(decode=True) or b""
        except Exception:
            defects.append("UndecodableAttachment")
            continue
        yield Attachment(filename=(filename or "attachment").strip()[:200], content_type=part.get_content_type(),
                         content=content)


def reply_text(text: str) -> str:
    """The part of a reply its writer wrote: above our marker line, without the quoted message and
    the signature below it."""
    above = text.split(REPLY_MARKER, 1)[0] if REPLY_MARKER in text else text
    try:
        replies = _REPLIES.read(above).replies
        reply = replies[0].body if replies else None
    except Exception:   # the heuristics failing on odd text must not lose the message
        reply = None
    return _clean(reply if reply and reply.strip() else above)
