"""The one way to move a model's status, one object or many (DESIGN.md §3).

How to add a state machine: a table on the model, every move through here::

    TRANSITIONS = {Status.OPEN: {Status.CLOSED}, Status.CLOSED: set()}  # on the model
    transition(visit, Status.CLOSED, by=officer, action="visit.close", fields={"closed_at": now})
    bulk_transition(stale, Status.CLOSED, sources=[Status.OPEN], action="visit.autoclose")

Both check every move against the model's ``TRANSITIONS``, write the status
with the given fields and record the AuditEntry in the caller's transaction;
a forbidden move raises ``TransitionNotAllowed`` (HTTP 409 in the API). The
app's own side effects (timeline rows, board refresh, messages) stay in a
thin wrapper around these, or in ``bulk_transition``'s ``then``.

Every statement that writes a status starts with ``MARKER``: the test suite
installs a trigger that refuses any status change without it
(tests/transition_guard.py), so a status written anywhere else fails the tests.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import connections, router, transaction

from mpp_portal.audit import record
from mpp_portal.exceptions import TransitionNotAllowed

# A comment at the start of each status-writing statement. Only this module
# writes it; the test trigger reads it back with current_query().
MARKER = "/* mpp:transition */"


def status_field(model):
    """Return the field ``model.TRANSITIONS`` is about (``status`` unless named)."""
    return model._meta.get_field(getattr(model, "AUDIT_STATUS_FIELD", "status"))


def stateful_models():
    """Return every installed model that declares ``TRANSITIONS``."""
    from django.apps import apps

    return [model for model in apps.get_models() if hasattr(model, "TRANSITIONS")]


def _label(field, value):
    return dict(field.flatchoices).get(value, value)


def _check(model, field, source, target, obj=None):
    if target not in model.TRANSITIONS.get(source, ()):
        raise TransitionNotAllowed.for_states(
            obj if obj is not None else model, _label(field, source), _label(field, target)
        )


def _marked(execute, sql, params, many, context):
    return execute(f"{MARKER} {sql}", params, many, context)


def transition(obj, target, *, by, action, request=None, note="", fields=None):
    """Move ``obj`` to ``target``: check the table, set ``fields``, save, audit.

    Only the status and ``fields`` are saved. ``by`` and ``request`` are the
    audit entry's actor and request (None for the system); a caller that must
    not record who acted (an anonymous reporter) passes None for both.
    Return ``obj``.
    """
    model = type(obj)
    field = status_field(model)
    before = getattr(obj, field.attname)
    _check(model, field, before, target, obj)
    fields = fields or {}
    for name, value in fields.items():
        setattr(obj, name, value)
    setattr(obj, field.attname, target)
    using = obj._state.db or router.db_for_write(model, instance=obj)
    with connections[using].execute_wrapper(_marked):
        obj.save(update_fields=[field.name, *fields], using=using)
    record(
        actor=by,
        action=action,
        obj=obj,
        from_status=before,
        to_status=target,
        note=note,
        request=request,
    )
    return obj


def bulk_transition(
    queryset, target, *, sources, action, by=None, note="", fields=None, then=None, on_commit=None
):
    """Move every row of ``queryset`` that is in one of ``sources`` to ``target``.

    For scheduled moves (auto-close, no-shows): one conditional ``UPDATE ...
    RETURNING`` that locks the rows and skips those no longer in a source
    state, so two runs at once never move (or audit) a row twice; one
    AuditEntry insert for all moved rows. ``fields`` are plain values
    stamped on every moved row. ``then(objects)`` runs in the transaction
    right after the move (timeline rows, outbox messages: work that must
    commit with it); ``on_commit(objects)`` runs after the commit. Return
    the moved objects, as they are after the move, in primary key order.
    """
    model = queryset.model
    field = status_field(model)
    sources = list(dict.fromkeys(sources))
    for source in sources:
        _check(model, field, source, target)
    if not sources:
        return []
    using = queryset.db
    connection = connections[using]
    qn = connection.ops.quote_name
    try:
        subquery, subquery_params = (
            queryset.order_by().values("pk").query.get_compiler(using).as_sql()
        )
    except EmptyResultSet:
        return []

    meta = model._meta
    table, pk, status = qn(meta.db_table), qn(meta.pk.column), qn(field.column)
    assignments, assignment_params = [f"{status} = %s"], [target]
    for name, value in (fields or {}).items():
        stamped = meta.get_field(name)
        assignments.append(f"{qn(stamped.column)} = %s")
        assignment_params.append(stamped.get_db_prep_save(value, connection))
    concrete = list(meta.concrete_fields)
    returning = ", ".join(f"{table}.{qn(f.column)}" for f in concrete)
    # FOR UPDATE in primary key order: a concurrent run waits, then sees
    # the row in its new state and leaves it; the same lock order for every
    # run means two runs cannot deadlock on each other.
    sql = f"""
        WITH picked AS (
            SELECT {pk} AS picked_id, {status} AS from_status FROM {table}
            WHERE {pk} IN ({subquery}) AND {status} = ANY(%s)
            ORDER BY {pk}
            FOR UPDATE
        )
        UPDATE {table} SET {", ".join(assignments)}
        FROM picked WHERE {table}.{pk} = picked.picked_id
        RETURNING picked.from_status, {returning}
    """  # noqa: S608 - identifiers are quoted names of the model; values are parameters
    params = [*subquery_params, sources, *assignment_params]

    with transaction.atomic(using=using, savepoint=False):
        with connection.execute_wrapper(_marked), connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        objects, before = _load(model, using, concrete, rows)
        if objects:
            _audit(model, objects, before, target, by=by, action=action, note=note)
            if then is not None:
                then(objects)
            if on_commit is not None:
                transaction.on_commit(lambda: on_commit(objects), using=using)
    return objects


def _load(model, using, concrete, rows):
    """Build model instances from RETURNING rows, converted as a query would."""
    connection = connections[using]
    columns = [f.get_col(model._meta.db_table) for f in concrete]
    converters = [
        connection.ops.get_db_converters(col) + col.get_db_converters(connection) for col in columns
    ]
    names = [f.attname for f in concrete]
    objects, before = [], {}
    for from_status, *values in rows:
        for position, convs in enumerate(converters):
            for converter in convs:
                values[position] = converter(values[position], columns[position], connection)
        obj = model.from_db(using, names, values)
        objects.append(obj)
        before[obj.pk] = from_status
    objects.sort(key=lambda obj: obj.pk)
    return objects, before


def _audit(model, objects, before, target, *, by, action, note):
    """Write one AuditEntry per moved object, in one INSERT."""
    from mpp_portal.audit.models import AuditEntry

    # The same actor fields record() writes: None is the system.
    from mpp_portal.audit.services import _actor_fields

    user, label = _actor_fields(by)
    content_type = ContentType.objects.db_manager(objects[0]._state.db).get_for_model(model)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            actor=user,
            actor_label=label[:150],
            action=action,
            content_type=content_type,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            from_status=str(before[obj.pk]),
            to_status=str(target),
            note=str(note or ""),
        )
        for obj in objects
    )
