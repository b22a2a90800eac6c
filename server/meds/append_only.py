"""The medication record is append-only in the database itself (issue #4: "enforce this in
the database, not only in code"): an UPDATE or DELETE of an administration or of a void
row raises, whatever path it comes by (ORM, admin, raw SQL, a script). Other ledgers (the
stock book) get the same protection from their own `Guard`.

PostgreSQL: a row trigger calling a function that raises. (TRUNCATE is left alone: it is
statement-level and only used when a test database is flushed.)
SQLite: BEFORE UPDATE / BEFORE DELETE triggers that RAISE(ABORT). SQLite drops a table's
triggers when Django rebuilds the table for an ALTER, so `install` also runs after every
`migrate` (apps.py); every statement is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Guard:
    """The triggers of one app's append-only tables. `function` is the PostgreSQL trigger
    function, one per guard so that one app's uninstall never drops another's."""

    tables: tuple[str, ...]
    message: str
    function: str

    def __post_init__(self) -> None:
        GUARDS.append(self)

    def statements(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            sql = [
                f"CREATE OR REPLACE FUNCTION {self.function}() RETURNS trigger AS $$ BEGIN "
                f"RAISE EXCEPTION '% on %: {self.message}', TG_OP, TG_TABLE_NAME "
                "USING ERRCODE = 'restrict_violation'; END; $$ LANGUAGE plpgsql"
            ]
            for table in self.tables:
                sql.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                sql.append(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {self.function}()"
                )
            return sql
        if vendor == "sqlite":
            return [
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{op} on {table}: {self.message}'); END"
                for table in self.tables
                for op in ("UPDATE", "DELETE")
            ]
        raise RuntimeError(f"append-only triggers are not written for {vendor}")

    def install(self, connection: Any) -> None:
        with connection.cursor() as cursor:
            for sql in self.statements(connection.vendor):
                # No params: the '%' of the PostgreSQL message must not be read as a placeholder.
                cursor.execute(sql)

    def uninstall(self, connection: Any) -> None:
        with connection.cursor() as cursor:
            for table in self.tables:
                if connection.vendor == "postgresql":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                else:
                    for op in ("update", "delete"):
                        cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP FUNCTION IF EXISTS {self.function}()")

    def reinstall_after_migrate(self, sender: Any, using: str = "default", **kwargs: Any) -> None:
        from django.db import connections

        connection = connections[using]
        if connection.vendor == "sqlite":
            tables = set(connection.introspection.table_names())
            if set(self.tables) <= tables:
                self.install(connection)


GUARDS: list[Guard] = []  # every guard made, for the SQLite test flush (tests/conftest.py)

MEDS = Guard(
    tables=("meds_medicationadministration", "meds_medicationvoid"),
    message="sổ cấp phát thuốc chỉ được ghi thêm, không được sửa hay xóa (append-only)",
    function="meds_append_only",
)
# The eMAR's guard under the names its migration (0003) and apps.py have always called.
TABLES = MEDS.tables
MESSAGE = MEDS.message
install = MEDS.install
uninstall = MEDS.uninstall
reinstall_after_migrate = MEDS.reinstall_after_migrate


def install_all(connection: Any) -> None:
    for guard in GUARDS:
        guard.install(connection)


def uninstall_all(connection: Any) -> None:
    for guard in GUARDS:
        guard.uninstall(connection)
