"""The import rules of docs/architecture.md, checked on the source: a new import that breaks one
fails here, at any depth (module level, inside a function, under TYPE_CHECKING)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: modules that hold rules needing proof: plain values in, decisions out, no app and no database
PURE_MODULES = ["app/contracts/ledger.py", "app/sla/clock.py", "app/billing/statements.py", "app/billing/matcher.py",
                "app/search/text.py", "app/replies/text.py", "app/webhooks/signature.py", "app/mailin/message.py"]
#: what a pure module may not import
IMPURE = ["app", "config", "flask", "flask_babel", "flask_login", "flask_sqlalchemy", "flask_socketio",
          "sqlalchemy", "psycopg", "werkzeug", "redis"]
CAPABILITIES = ["app.api", "app.auth", "app.clients", "app.contracts", "app.notifications", "app.portal",
                "app.reports", "app.sla", "app.tickets", "app.billing", "app.demo", "app.demo_history",
                "app.scheduler", "app.models", "app.audit", "app.search", "app.replies", "app.webhooks", "app.mailin"]

#: (which files, what they must not import, which files are exempt, why)
RULES = [
    ("app/contracts/**/*.py", ["app.tickets", "app.portal", "app.reports"], [],
     "contracts know tickets by id only: closing calls the ledger, never the other way round"),
    ("app/billing/**/*.py", ["app.tickets", "app.portal"], [],
     "billing grants hours through the contracts' ledger operations and never touches tickets"),
    ("app/core/**/*.py", CAPABILITIES, [],
     "core is the plumbing every capability uses; it names none of them (the factory wires them)"),
    ("app/**/*.py", ["app.portal"], ["app/portal/**/*.py", "app/__init__.py"],
     "the portal is the clients' side: staff code never depends on it (the factory registers it)"),
    ("app/auth/models.py", ["app.clients"], [],
     "clients import users, users name their company: one direction, no circle"),
    ("app/audit/**/*.py", ["app.tickets", "app.billing", "app.reports", "app.notifications"], [],
     "the audit trail is written by the capabilities it records; it only reads names and labels back"),
    ("app/search/**/*.py", ["app.contracts", "app.billing", "app.reports", "app.notifications"], [],
     "search indexes tickets and their clients, nothing else"),
    ("app/replies/**/*.py", ["app.tickets", "app.billing", "app.reports", "app.notifications"], [],
     "a reply is filled in from the ticket it is given; the ticket page includes the replies, not the other way"),
    ("app/webhooks/**/*.py", ["app.tickets", "app.contracts", "app.billing", "app.clients", "app.notifications",
                              "app.reports"], [],
     "webhooks hear the capabilities through the event outbox only: none of them is imported, so any event "
     "any of them publishes can be delivered"),
    ("app/mailin/**/*.py", ["app.billing", "app.reports", "app.notifications", "app.contracts", "app.webhooks"], [],
     "mail in becomes tickets, replies and contacts through the tickets', clients' and users' operations only"),
    ("voice/**/*.py", ["app", "config"], [],
     "the speaker agent runs on any office machine with its own small requirements, over Socket.IO"),
] + [(path, IMPURE, [], "a pure module: table-tested without an app or a database") for path in PURE_MODULES]


def imported_names(source: str, module: str) -> set[str]:
    """Every module `source` imports, as dotted names (`from a import b` counts as `a` and `a.b`,
    relative imports resolved against `module`)."""
    names: set[str] = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def violations(path: str, source: str, forbidden: list[str]) -> list[str]:
    module = path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    return sorted(name for name in imported_names(source, module)
                  if any(name == f or name.startswith(f + ".") for f in forbidden))


def _files(pattern: str) -> set[str]:
    return {str(p.relative_to(ROOT)) for p in ROOT.glob(pattern)}


@pytest.mark.parametrize("pattern, forbidden, exempt, why", RULES, ids=[r[0] + " " + r[1][0] for r in RULES])
def test_import_rule(pattern, forbidden, exempt, why):
    files = _files(pattern) - set().union(*(_files(e) for e in exempt))
    assert files, f"{pattern} matches no file: the rule guards nothing"
    broken = {path: found for path in sorted(files)
              if (found := violations(path, (ROOT / path).read_text(encoding="utf-8"), forbidden))}
    assert not broken, f"{why}; broken by: {broken}"


def test_pure_modules_exist():
    assert all((ROOT / path).is_file() for path in PURE_MODULES)


@pytest.mark.parametrize("source, forbidden, found", [
    ("from app.tickets.models import Ticket", ["app.tickets"], ["app.tickets.models", "app.tickets.models.Ticket"]),
    ("def f():\n    import app.tickets.operations as ops\n", ["app.tickets"], ["app.tickets.operations"]),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app import portal\n", ["app.portal"],
     ["app.portal"]),
    ("from ..tickets import operations", ["app.tickets"], ["app.tickets", "app.tickets.operations"]),
    ("from app.ticketsx import y\nimport sqlalchemy_utils", ["app.tickets", "sqlalchemy"], []),
])
def test_the_checker_sees_imports_at_any_depth(source, forbidden, found):
    assert violations("app/contracts/operations.py", source, forbidden) == found
