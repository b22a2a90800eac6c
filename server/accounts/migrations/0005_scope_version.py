"""accounts_scopeversion, and the triggers that write it.

A sync call reads the caller's scope from a worker's memory while the user's row here holds
the value it was read at (server/accounts/services.py, `scope_of`). So every change of
a membership (added, removed, role, facility, active) or of its areas must write a new value,
in the same transaction: triggers, which no write path (the admin, a queryset update, a
cascade, SQL in a shell) can go around. PostgreSQL takes the values from a sequence, which
never goes back (not even when a transaction rolls back); SQLite, a random 64-bit number.
A table and no model: only these triggers write it and only the sync call's bearer check reads
it (server/accounts/models.py, `token_plan`). No foreign key: a cascade deleting a user's
memberships writes her row while the user goes.
"""

from django.db import migrations

POSTGRESQL = [
    "CREATE TABLE accounts_scopeversion (user_id uuid PRIMARY KEY, value bigint NOT NULL)",
    "CREATE SEQUENCE accounts_scopeversion_seq",
    """
CREATE FUNCTION accounts_scope_bump(uid uuid) RETURNS void LANGUAGE sql AS $$
  INSERT INTO accounts_scopeversion (user_id, value)
  VALUES (uid, nextval('accounts_scopeversion_seq'))
  ON CONFLICT (user_id) DO UPDATE SET value = EXCLUDED.value
$$""",
    """
CREATE FUNCTION accounts_membership_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM accounts_scope_bump(OLD.user_id); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM accounts_scope_bump(NEW.user_id); END IF;
  RETURN NULL;
END $$""",
    """
CREATE FUNCTION accounts_membership_areas_scope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM accounts_scope_bump(user_id) FROM accounts_membership WHERE id = OLD.membership_id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM accounts_scope_bump(user_id) FROM accounts_membership WHERE id = NEW.membership_id;
  END IF;
  RETURN NULL;
END $$""",
    """
CREATE TRIGGER accounts_membership_scope AFTER INSERT OR UPDATE OR DELETE
ON accounts_membership FOR EACH ROW EXECUTE FUNCTION accounts_membership_scope()""",
    """
CREATE TRIGGER accounts_membership_areas_scope AFTER INSERT OR UPDATE OR DELETE
ON accounts_membership_areas FOR EACH ROW EXECUTE FUNCTION accounts_membership_areas_scope()""",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER accounts_membership_areas_scope ON accounts_membership_areas",
    "DROP TRIGGER accounts_membership_scope ON accounts_membership",
    "DROP FUNCTION accounts_membership_areas_scope()",
    "DROP FUNCTION accounts_membership_scope()",
    "DROP FUNCTION accounts_scope_bump(uuid)",
    "DROP SEQUENCE accounts_scopeversion_seq",
    "DROP TABLE accounts_scopeversion",
]


# In two statements, not INSERT OR REPLACE: SQLite runs a trigger's statements under the
# conflict policy of the statement that fired it, and Django adds areas with INSERT OR IGNORE.
def _sqlite_bump(user: str) -> str:
    return (
        f"UPDATE accounts_scopeversion SET value = random() WHERE user_id = {user}; "
        f"INSERT OR IGNORE INTO accounts_scopeversion (user_id, value) VALUES ({user}, random());"
    )


def _of_membership(membership: str) -> str:
    return _sqlite_bump(f"(SELECT user_id FROM accounts_membership WHERE id = {membership})")


def _sqlite_trigger(table: str, op: str, body: str) -> str:
    name = f"{table}_scope_{op[:3].lower()}"
    return f"CREATE TRIGGER {name} AFTER {op} ON {table} BEGIN {body} END"


SQLITE = [
    "CREATE TABLE accounts_scopeversion (user_id char(32) NOT NULL PRIMARY KEY, value bigint NOT NULL)",
    _sqlite_trigger("accounts_membership", "INSERT", _sqlite_bump("NEW.user_id")),
    _sqlite_trigger(
        "accounts_membership", "UPDATE", _sqlite_bump("OLD.user_id") + _sqlite_bump("NEW.user_id")
    ),
    _sqlite_trigger("accounts_membership", "DELETE", _sqlite_bump("OLD.user_id")),
    _sqlite_trigger("accounts_membership_areas", "INSERT", _of_membership("NEW.membership_id")),
    _sqlite_trigger(
        "accounts_membership_areas",
        "UPDATE",
        _of_membership("OLD.membership_id") + _of_membership("NEW.membership_id"),
    ),
    _sqlite_trigger("accounts_membership_areas", "DELETE", _of_membership("OLD.membership_id")),
]

SQLITE_DROP = [
    f"DROP TRIGGER accounts_membership{part}_scope_{op}"
    for part in ("", "_areas")
    for op in ("ins", "upd", "del")
] + ["DROP TABLE accounts_scopeversion"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_device_health"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}),
        ),
    ]
