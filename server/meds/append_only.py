"""The medication record is append-only in the database itself (issue #4: "enforce this in
the database, not only in code"): an UPDATE or DELETE of an administration or of a void
row raises, whatever path it comes by (ORM, admin, raw SQL, a script).

PostgreSQL: a row trigger calling a function that raises. (TRUNCATE is left alone: it is
statement-level and only used when a test database is flushed.)
SQLite: BEFORE UPDATE / BEFORE DELETE triggers that RAISE(ABORT). SQLite drops a table's
triggers when Django rebuilds the table for an ALTER, so `install` also runs after every
`migrate` (apps.py); every statement is idempotent.
"""

from __future__ import annotations

from typing import Any

TABLES = ("meds_medicationadministration", "meds_medicationvoid")
MESSAGE = "sổ cấp phát thuốc chỉ được ghi thêm, không được sửa hay xóa (append-only)"


def _statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        sql = [
            "CREATE OR REPLACE FUNCTION meds_append_only() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION '% on %: {MESSAGE}', TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; "
            "END; $$ LANGUAGE plpgsql"
        ]
        for table in TABLES:
            sql.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            sql.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION meds_append_only()"
            )
        return sql
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{op} on {table}: {MESSAGE}'); END"
            for table in TABLES
            for op in ("UPDATE", "DELETE")
        ]
    raise RuntimeError(f"append-only triggers are not written for {vendor}")


def install(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor):
            # No params: the '%' of the PostgreSQL message must not be read as a placeholder.
            cursor.execute(sql)


def uninstall(connection: Any) -> None:
    with connection.cursor() as cursor:
        for table in TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            else:
                for op in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS meds_append_only()")


def reinstall_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite":
        tables = set(connection.introspection.table_names())
        if set(TABLES) <= tables:
            install(connection)
