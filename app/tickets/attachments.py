"""The attachment store: files on disk outside the database, checked before they are kept.

A file is accepted when its extension is on the list and its content is what the extension says
(the `filetype` package reads the signature; text files must be text: no NUL bytes and no known
binary signature). Files are stored under a random name, never one derived from the upload.
"""
import hashlib
import json
import os
import secrets
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype
from flask import abort, current_app, send_file

from app.core.errors import ValidationFailed
from app.core.i18n import gettext as _

#: extension → the content type we store and serve; binary ones must carry that signature
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "zip": "application/zip",
    "txt": "text/plain",
    "eml": "message/rfc822",
    "log": "text/plain",
    "csv": "text/csv",
}
TEXT_EXTENSIONS = frozenset({"txt", "log", "csv", "eml"})
#: shown in the browser; everything else is offered as a download
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_CHUNK = 64 * 1024


@dataclass
class StoredFile:
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    storage_key: str


def clean_filename(name: str | None) -> str:
    """The uploader's file name without any path, control characters or surrounding dots and
    spaces (Cyrillic kept: it is only ever shown, never used on disk)."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot else name[:200]
    return name


def uploaded(files) -> list[tuple[str, BinaryIO]]:
    """(name, stream) of the files a form's file field actually received (an empty file input
    still sends one part without a name)."""
    return [(f.filename, f.stream) for f in (files or []) if getattr(f, "filename", "")]


def allowed_extensions() -> str:
    return ", ".join(sorted(ALLOWED_TYPES))


def _root() -> Path:
    return Path(current_app.config["HOURDESK_ATTACHMENT_DIR"])


def path_of(storage_key: str) -> Path:
    if not storage_key.isalnum():   # keys are ours (hex), but never let one walk out of the store
        raise ValueError(f"bad storage key {storage_key!r}")
    return _root() / storage_key[:2] / storage_key


def check_name(raw_name: str | None) -> tuple[str, str]:
    """The cleaned name and its content type, or a clear error for a name we do not take."""
    name = clean_filename(raw_name)
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    if not name or ext not in ALLOWED_TYPES:
        raise ValidationFailed(_("%(name)s: this type of file is not accepted. Accepted: %(types)s.",
                                 name=name or _("(no name)"), types=allowed_extensions()),
                               code="attachment_type", field="attachments")
    return name, ALLOWED_TYPES[ext]


def store(raw_name: str | None, stream: BinaryIO) -> StoredFile:
    """Check and keep one uploaded file. Nothing is left on disk when it is refused."""
    name, content_type = check_name(raw_name)
    limit = current_app.config["HOURDESK_ATTACHMENT_MAX_BYTES"]
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ValidationFailed(_("%(name)s is larger than %(mb)s MB.", name=name, mb=_megabytes(limit)),
                                           code="attachment_too_large", field="attachments")
                if len(head) < _CHUNK:
                    head += chunk[:_CHUNK - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed(_("%(name)s is empty.", name=name), code="attachment_empty", field="attachments")
        _check_content(name, content_type, head)
        key = secrets.token_hex(16)
        final = path_of(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_name, final)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return StoredFile(name, content_type, size, digest.hexdigest(), key)


def remove(storage_key: str) -> None:
    path_of(storage_key).unlink(missing_ok=True)


def _check_content(name: str, content_type: str, head: bytes) -> None:
    guessed = filetype.guess(head)
    ext = name.rpartition(".")[2].lower()
    if ext in TEXT_EXTENSIONS:
        ok = guessed is None and b"\x00" not in head
    else:
        ok = guessed is not None and guessed.mime == content_type
    if not ok:
        raise ValidationFailed(_("%(name)s: the content does not match its type.", name=name),
                               code="attachment_content", field="attachments")


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g}"


def send(attachment):
    """The file as a download (images inline), under its own name and type, sandboxed: whatever
    it contains, it runs nothing in our origin. The caller has decided the user may see it."""
    path = path_of(attachment.storage_key)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, download_name=attachment.filename,
                         as_attachment=attachment.content_type not in INLINE_TYPES, max_age=0)
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- files held for a form that was refused -------------------------------------------------------
# A browser cannot refill a file input: when a form with files is refused (a date too early, a
# missing subject), the files wait here under a random token the page carries, bound to the
# uploader, until the form is sent again (or a day passes).

HELD_LIFETIME_SECONDS = 24 * 3600


def _held_root() -> Path:
    return _root() / "held"


def hold(files: list[tuple[str, BinaryIO]], user_id: int, *, token: str | None = None) -> tuple[str, list[str]]:
    """Keep these (name, stream) files for `user_id` (added to `token`'s when given); the token and
    every held name. Names are checked as on upload; a refused name is dropped, not held."""
    _forget_old_holds()
    token = token if token and token.isalnum() and (_held_root() / token).is_dir() else secrets.token_hex(16)
    folder = _held_root() / token
    folder.mkdir(parents=True, exist_ok=True)
    index = _held_index(folder)
    if index.get("user_id") not in (None, user_id):
        raise ValidationFailed(_("These files belong to someone else."), code="held_files", field="attachments")
    index["user_id"] = user_id
    for raw_name, stream in files:
        try:
            name, _type = check_name(raw_name)
        except ValidationFailed:
            continue
        part = f"{len(index.setdefault('files', []))}"
        with open(folder / part, "wb") as out:
            while chunk := stream.read(_CHUNK):
                out.write(chunk)
        index["files"].append([part, name])
    (folder / "index.json").write_text(json.dumps(index), encoding="utf-8")
    return token, [name for _part, name in index.get("files", [])]


def held(token: str | None, user_id: int) -> list[tuple[str, BinaryIO]]:
    """The files held under `token` for `user_id`, as (name, stream) pairs; none for a stranger."""
    if not token or not token.isalnum():
        return []
    folder = _held_root() / token
    index = _held_index(folder)
    if index.get("user_id") != user_id:
        return []
    return [(name, open(folder / part, "rb")) for part, name in index.get("files", [])]


def held_names(token: str | None, user_id: int) -> list[str]:
    if not token or not token.isalnum():
        return []
    index = _held_index(_held_root() / token)
    return [name for _part, name in index.get("files", [])] if index.get("user_id") == user_id else []


def release(token: str | None, user_id: int) -> None:
    """Forget `user_id`'s held files (they are stored with the ticket now); another's stay."""
    if token and token.isalnum() and _held_index(_held_root() / token).get("user_id") == user_id:
        shutil.rmtree(_held_root() / token, ignore_errors=True)


def _held_index(folder: Path) -> dict:
    try:
        return json.loads((folder / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _forget_old_holds() -> None:
    root = _held_root()
    if not root.is_dir():
        return
    cutoff = time.time() - HELD_LIFETIME_SECONDS
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
