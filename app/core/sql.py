"""SQL conditions written so the planner can read them."""
from sqlalchemy import literal_column


def constants_in(column, values):
    """`column IN (…)` (or `=` for one value) with the values written as SQL constants, not
    parameters. A parameter looks to the planner like any value: an average share of the table,
    when the value asked for is a few hundred rows of millions (`open` tickets) or a few dozen of
    tens of thousands (staff among contacts). And only a constant condition matches a partial
    index's: both databases check the query implies the index's WHERE before using it. For the
    application's own names only (statuses, roles), never for user input."""
    values = list(values)
    if not values or any(not isinstance(v, str) or not v.replace("_", "").isalnum() for v in values):
        raise ValueError(f"constants_in takes the application's own names, not {values!r}")
    constants = [literal_column(f"'{v}'") for v in values]
    return column == constants[0] if len(constants) == 1 else column.in_(constants)
