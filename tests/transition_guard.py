"""A database trigger that makes the whole test suite prove DESIGN.md §3:
no status changes except through ``mpp_portal.transitions``.

tests/conftest.py installs it on the table of every model with ``TRANSITIONS``
(``stateful_models()``, so new apps' models are covered without a change
here) once the test database is ready. BEFORE UPDATE, a row whose status
changes raises unless the statement starts with ``transitions.MARKER``,
which only the helper writes. The worker process and the live server share
the database, so the trigger holds for them too.
"""

from django.db import connection

from mpp_portal import transitions

FUNCTION = "mpp_transition_guard"

# Models with TRANSITIONS whose status is not a domain state moved by people
# or schedules but delivery bookkeeping, claimed by conditional UPDATEs of
# their own module with no audit entry per attempt. Each entry says why.
EXEMPT = {
    "notifications.OutboxMessage": (
        "queued/sending/sent/failed of one message delivery: claimed and released by "
        "mpp_portal.notifications.services, retried many times, never audited"
    ),
}


def guarded_models():
    """Return the models whose status only the transition helper may write."""
    return [m for m in transitions.stateful_models() if m._meta.label not in EXEMPT]


FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before text := to_jsonb(OLD) ->> TG_ARGV[0];
    after text := to_jsonb(NEW) ->> TG_ARGV[0];
BEGIN
    IF after IS DISTINCT FROM before
       AND left(current_query(), length(TG_ARGV[1])) <> TG_ARGV[1] THEN
        RAISE EXCEPTION '%.% of row % changed % -> % outside mpp_portal.transitions',
            TG_TABLE_NAME, TG_ARGV[0], to_jsonb(OLD) ->> 'id', before, after
            USING HINT = left(current_query(), 300);
    END IF;
    RETURN NEW;
END
$$
"""


def install(using_connection=None):
    """Create (or replace) the trigger on every guarded table; idempotent."""
    conn = using_connection or connection
    with conn.cursor() as cursor:
        cursor.execute(FUNCTION_SQL)
        for model in guarded_models():
            table = conn.ops.quote_name(model._meta.db_table)
            column = transitions.status_field(model).column
            cursor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION} ON {table}")
            cursor.execute(
                # Trigger arguments are literals, not parameters; both are
                # constants of the code (a column name and the marker).
                f"CREATE TRIGGER {FUNCTION} BEFORE UPDATE ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION {FUNCTION}('{column}', '{transitions.MARKER}')"
            )


def installed_tables():
    """Return the tables that carry the trigger now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT event_object_table FROM information_schema.triggers "
            "WHERE trigger_name = %s",
            [FUNCTION],
        )
        return {row[0] for row in cursor.fetchall()}


def force_status(obj, status, **fields):
    """Test setup only: put ``obj`` in ``status`` without a transition.

    For tests that need a row in a state the services would take many steps
    to reach (every pair of a table, a forbidden move from a given state).
    """
    model = type(obj)
    name = transitions.status_field(model).name
    with connection.execute_wrapper(transitions._marked):
        model._base_manager.filter(pk=obj.pk).update(**{name: status}, **fields)
    obj.refresh_from_db()
    return obj
