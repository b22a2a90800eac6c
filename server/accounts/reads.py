"""The accounts' statements that every sync call runs, written once per process.

The ORM compiled them anew on every call: the token's three-table select_related cost ~0.5 ms
of CPU of a ~0.9 ms lookup, the scope's ~0.5 ms of ~0.6 ms (docs/performance.md, "No-op").
Each is the SQL the ORM wrote (the same columns, joins and order), and each value goes
through the backend's and the field's converters as the ORM applies them; tests compare
both with the ORM's answers (tests/deploy/test_one_hop.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connections
from django.db.models import Model

from server.accounts.models import Device, DeviceToken, Membership, User
from sync.rows import column_read, converted

# Written by triggers only (migration 0005): a new value at every change of a user's scope.
SCOPE_VERSIONS = "accounts_scopeversion"

# The token's row with its user and device, one statement written once per process. Every
# authenticated call (every sync call, the no-op included) looks its token up, and the ORM
# compiled that three-table select_related anew each time: ~0.5 ms of CPU of a ~0.9 ms lookup
# (docs/performance.md, "No-op"). The same statement (every concrete column of the three
# models, the token by its primary key, both joins), and the instances built as the ORM
# builds them: each column through the backend's and the field's converters, Model.from_db,
# the user and device cached on the token's foreign keys. One more column: the user's
# scope version (null until her memberships first change, migration 0005), for the sync call's kept scope.
_MODELS: tuple[type[Model], ...] = (DeviceToken, User, Device)


@dataclass(frozen=True)
class TokenPlan:
    columns: str
    tables: str
    where: str
    layout: list[tuple[type[Model], list[str], list[tuple[Any, list[Callable]]]]]


@cache
def token_plan(alias: str) -> TokenPlan:
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns: list[str] = []
    layout = []
    for model in _MODELS:
        table = str(model._meta.db_table)
        names, converters = [], []
        for field in model._meta.concrete_fields:
            selected, reader = column_read(connection, table, field)
            columns.append(selected)
            names.append(field.attname)
            converters.append(reader)
        layout.append((model, names, converters))
    token = quote(str(DeviceToken._meta.db_table))
    user = quote(str(User._meta.db_table))
    versions = quote(SCOPE_VERSIONS)
    columns.append(f"{versions}.{quote('value')}")
    joins = "".join(
        f" INNER JOIN {quote(str(model._meta.db_table))}"
        f" ON ({token}.{quote(str(DeviceToken._meta.get_field(fk).column))}"  # type: ignore[union-attr]
        f" = {quote(str(model._meta.db_table))}.{quote(str(model._meta.pk.column))})"
        for model, fk in ((User, "user"), (Device, "device"))
    )
    joins += (
        f" LEFT OUTER JOIN {versions} ON ({versions}.{quote('user_id')}"
        f" = {user}.{quote(str(User._meta.pk.column))})"
    )
    pk = quote(str(DeviceToken._meta.pk.column))
    return TokenPlan(", ".join(columns), f"{token}{joins}", f"{token}.{pk} = %s", layout)


def token_built(row: Any, alias: str) -> tuple[DeviceToken, int]:
    """The token (its user and device cached on it) and the user's scope version."""
    connection = connections[alias]
    objects: list[Any] = []
    at = 0
    for model, names, converters in token_plan(alias).layout:
        values = converted(row[at : at + len(names)], converters, connection)
        at += len(names)
        objects.append(model.from_db(alias, names, list(values)))
    token, user, device = objects
    DeviceToken._meta.get_field("user").set_cached_value(token, user)
    DeviceToken._meta.get_field("device").set_cached_value(token, device)
    return token, row[at] or 0


def token_with_user_and_device(key_hash: str) -> DeviceToken | None:
    """`DeviceToken.objects.select_related("user", "device").filter(key_hash=…).first()`."""
    alias = DeviceToken.objects.db
    plan = token_plan(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT {plan.columns} FROM {plan.tables} WHERE {plan.where}", [key_hash])
        row = cursor.fetchone()
    return None if row is None else token_built(row, alias)[0]


@cache
def _scope_plan(alias: str) -> tuple[str, list[tuple[Any, list[Callable]]]]:
    # Membership.objects.filter(user=user, active=True).order_by("facility_id")
    #   .values_list("facility_id", "role", "areas__id"), written once like the token's.
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = str(Membership._meta.db_table)
    through = Membership._meta.get_field("areas").remote_field.through._meta  # type: ignore[union-attr]
    link = str(through.db_table)
    fields = [(table, Membership._meta.get_field(n)) for n in ("facility", "role")]
    fields.append((link, through.get_field("area")))
    columns, converters = [], []
    for at, field in fields:
        selected, reader = column_read(connection, at, field)
        columns.append(selected)
        converters.append(reader)

    def column(name: str, at: str = table, meta: Any = Membership._meta) -> str:
        return f"{quote(at)}.{quote(str(meta.get_field(name).column))}"

    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(table)} LEFT OUTER JOIN {quote(link)}"
        f" ON ({column('id')} = {column('membership', link, through)})"
        f" WHERE ({column('active')} AND {column('user')} = %s) ORDER BY 1 ASC"
    )
    return sql, converters


def scope_rows(user: User) -> list[tuple]:
    alias = Membership.objects.db
    sql, converters = _scope_plan(alias)
    connection = connections[alias]
    user_id = Membership._meta.get_field("user").get_db_prep_value(user.pk, connection)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        rows = cursor.fetchall()
    if not any(convert for _, convert in converters):
        return rows
    return [converted(row, converters, connection) for row in rows]
