"""`flask backup PATH`: a consistent copy of the database while Hourdesk keeps serving.

SQLite: the online backup API copies the file page by page under a read transaction, so writers
carry on and the copy is one instant's state. PostgreSQL: `pg_dump --format=custom` (restore with
`pg_restore --dbname=… PATH`). Attachments live in HOURDESK_ATTACHMENT_DIR: copy that folder too.
"""
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.extensions import db


def backup_sqlite(database: str, target: Path) -> None:
    """Copy the SQLite database at `database` into a new file `target` (written under a temporary
    name, then renamed: a half-written backup never carries the final name)."""
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy, pages=1024)   # in steps: writers get the lock between them
        finally:
            copy.close()
    finally:
        source.close()
    os.replace(partial, target)


def backup_postgresql(url, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise click.ClickException("pg_dump is not installed (apt-get install postgresql-client)")
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    command = [pg_dump, "--format=custom", "--no-owner", f"--file={target}", f"--host={url.host or 'localhost'}",
               f"--port={url.port or 5432}", f"--username={url.username or ''}", url.database]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        Path(target).unlink(missing_ok=True)
        raise click.ClickException(f"pg_dump failed: {result.stderr.strip()}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@with_appcontext
def backup_command(path: Path, force: bool):
    """Write a consistent copy of the database to PATH, safe while Hourdesk serves."""
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; choose another name or add --force")
    url = db.engine.url   # (its str() would hide the password)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise click.ClickException("an in-memory database has nothing to back up")
        backup_sqlite(url.database, path)
    elif url.get_backend_name() == "postgresql":
        backup_postgresql(url, path)
    else:
        raise click.ClickException(f"no backup method for {url.get_backend_name()}")
    click.echo(f"backed up to {path} ({path.stat().st_size} bytes)")
