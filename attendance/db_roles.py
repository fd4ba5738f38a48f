"""What the application's database role may do: rows, never the tables.

Rollcall connects as a role that owns nothing (settings.DATABASE_APP_ROLE).
The owner role runs migrations, and after each one this module grants the
application role exactly the row operations it needs. What follows from
that, enforced by PostgreSQL itself rather than by Rollcall's code:

- no TRUNCATE, no ALTER TABLE (so no DISABLE TRIGGER), no DROP, no CREATE in
  the schema, no `session_replication_role` (a superuser setting);
- history tables (REVOKED) take INSERT and SELECT only, besides the row
  triggers that refuse UPDATE and DELETE even to the owner;
- a mark is never deleted, and a mark written without its history entry is
  refused at commit (registers migration 0008);
- no grant at all on a partition (registers_mark's years, migration 0013):
  rows are written through the partitioned table, whose statement triggers
  keep the weekly summary, never into a partition behind their back.
"""

from django.conf import settings
from django.db import connections
from psycopg import sql

# Row operations taken back from the application role, by table. History
# tables take INSERT and SELECT only; a mark is never deleted; Django's record
# of migrations is read by the running app and written only by the owner.
REVOKED = {
    "registers_markchange": "UPDATE, DELETE",
    "attendance_viewlog": "UPDATE, DELETE",
    # Snapshots of pupils, contacts, leave and cases (attendance/history.py).
    "attendance_pupilevent": "UPDATE, DELETE",
    "attendance_contactevent": "UPDATE, DELETE",
    "attendance_pupilcontactevent": "UPDATE, DELETE",
    "absences_leaverequestevent": "UPDATE, DELETE",
    "penalties_caseevent": "UPDATE, DELETE",
    "registers_mark": "DELETE",
    "django_migrations": "INSERT, UPDATE, DELETE",
}

# Functions the owner keeps from PUBLIC and lets the application role run:
# the nightly maker of the marks' partitions (registers migration 0013).
GRANTED_FUNCTIONS = ["registers_add_mark_partitions(date, date)"]


def role_exists(cursor, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def grant_app_role(using: str = "default", role: str | None = None) -> bool:
    """Give the application role its row grants; False when there is none to give.

    Idempotent, and run after every migrate, so a new table is covered the
    moment it exists. Nothing is granted when Rollcall is connected as the
    application role itself (it cannot grant) or the role does not exist (a
    single-role installation, which `check --deploy` reports).
    """
    connection = connections[using]
    with connection.cursor() as cursor:
        return grant_on(
            cursor, connection.settings_dict["NAME"], role or settings.DATABASE_APP_ROLE
        )


def grant_on(cursor, database_name: str, role: str) -> bool:
    """grant_app_role on any cursor into `database_name`: a restore into a
    database Django is not configured for uses its own connection."""
    cursor.execute("SELECT current_user")
    if cursor.fetchone()[0] == role or not role_exists(cursor, role):
        return False
    r = sql.Identifier(role)
    database = sql.Identifier(database_name)
    statements = [
        sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(database, r),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(r),
        sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(r),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
            r
        ),
        sql.SQL(
            "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}"
        ).format(r),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(r),
    ]
    for table, privileges in REVOKED.items():
        statements.append(
            sql.SQL("REVOKE {} ON {} FROM {}").format(sql.SQL(privileges), sql.Identifier(table), r)
        )
    for function in GRANTED_FUNCTIONS:
        cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [function])
        if cursor.fetchone()[0]:
            statements.append(sql.SQL(f"GRANT EXECUTE ON FUNCTION {function} TO {{}}").format(r))
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relispartition AND c.relkind = 'r'"
    )
    for (partition,) in cursor.fetchall():
        statements.append(sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(partition), r))
    for statement in statements:
        cursor.execute(statement)
    return True


def on_post_migrate(sender, using="default", **kwargs) -> None:
    # Once per migrate run: post_migrate is sent for every app.
    if sender.name == "attendance":
        grant_app_role(using)
