"""Which changes to a record are kept, by database triggers (django-pghistory).

Pupils, contacts, their links, leave requests and attendance cases keep a
snapshot of every insert, update and delete, made by PostgreSQL itself, so
an edit through the Django admin, an import or raw SQL is kept as surely as
one through a page. The request's user and address are attached as context
(pghistory's middleware). The event tables are append-only to the
application's role (attendance/db_roles.py).
"""

import pghistory


def events() -> tuple:
    """New trackers for each model (pghistory binds a tracker to its model)."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
