"""`flask users create`: the non-interactive command of docs/api.md."""
import click
from flask.cli import with_appcontext

from app.auth import operations
from app.auth.models import ROLES
from app.clients.queries import client_by_inn
from app.core.errors import DomainError
from app.extensions import db

users_cli = click.Group("users", help="Manage users.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", required=True)
@click.option("--name", default=None)
@click.option("--client-inn", default=None, help="The company of a client contact.")
@click.option("--locale", type=click.Choice(["ru", "en"]), default="ru")
@with_appcontext
def create(email, role, password, name, client_inn, locale):
    """Create a user. Exits non-zero with a message on a duplicate e-mail or unknown company."""
    client = None
    if client_inn:
        client = client_by_inn(client_inn)
        if client is None:
            raise click.ClickException(f"no client with INN {client_inn}")
    try:
        user = operations.create_user(email, role=role, password=password, name=name, client=client, locale=locale)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"created {user.role} {user.email} (id {user.id})")
