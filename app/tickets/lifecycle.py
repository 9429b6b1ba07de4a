"""The ticket life cycle as data (docs/domain.md, "Ticket life cycle").

`TRANSITIONS[a]` is the set of statuses a ticket in status `a` may move to. Everything that changes
a status asks `can_transition`; nothing else decides.
"""

STATUSES = ("open", "in_progress", "waiting", "resolved", "closed", "cancelled")
PRIORITIES = ("low", "normal", "high", "critical")
CHANNELS = ("phone", "email", "portal", "chat", "web", "api")

#: statuses in which somebody still has work to do
ACTIVE_STATUSES = ("open", "in_progress", "waiting")
SLA_ACTIVE_STATUSES = ("open", "in_progress")   # waiting: the clock is stopped; resolved and after: done

TRANSITIONS: dict[str, frozenset[str]] = {
    # Leaving `open` is the acknowledgement, whichever way it leaves. Staff may close from any
    # status but closed/cancelled: a call solved on the spot is registered and closed at once.
    "open": frozenset({"in_progress", "waiting", "resolved", "cancelled", "closed"}),
    "in_progress": frozenset({"waiting", "resolved", "cancelled", "closed"}),
    "waiting": frozenset({"in_progress", "resolved", "cancelled", "closed"}),
    # resolved → in_progress and closed → in_progress are reopenings
    "resolved": frozenset({"closed", "in_progress"}),
    "closed": frozenset({"in_progress"}),
    "cancelled": frozenset(),
}

#: transitions that count as reopening and therefore need a reason
REOPENINGS = frozenset({("resolved", "in_progress"), ("closed", "in_progress")})


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def allowed_targets(current: str) -> list[str]:
    """Targets in the order of STATUSES, for buttons and error messages."""
    return [s for s in STATUSES if s in TRANSITIONS.get(current, frozenset())]
