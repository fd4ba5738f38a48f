"""Writing marks: one module per operation, every name re-exported here so
callers import from `registers.services` (as wagtail's models package does).

- marks: one mark written (`write_mark`, which keeps the history), changed
  or amended; who may decide authorisation; the session a mark belongs to.
- taking: a class's register saved from its form (`take_register`).
- late_book: pupils signed in late or out early by the office.
- closing: registers closed, unmarked pupils given N or their known code.
- prefill: the day's known marks put on the registers before they are taken.
"""

from .closing import close_due_registers, close_register
from .late_book import OVERWRITABLE_BY_ARRIVAL, sign_in_late, sign_out_early
from .marks import (
    ADMIN_CODES,
    DECIDED_ELSEWHERE,
    SYSTEM_NAME,
    MarkError,
    amend_mark,
    change_mark,
    check_session,
    history_entry,
    lock_register,
    may_decide,
    position_of,
    register_for,
    require_decider,
    write_mark,
)
from .prefill import prefill_planned_marks
from .taking import Conflict, Entry, RegisterOutcome, take_register

__all__ = [
    "ADMIN_CODES",
    "DECIDED_ELSEWHERE",
    "OVERWRITABLE_BY_ARRIVAL",
    "SYSTEM_NAME",
    "Conflict",
    "Entry",
    "MarkError",
    "RegisterOutcome",
    "amend_mark",
    "change_mark",
    "check_session",
    "close_due_registers",
    "close_register",
    "history_entry",
    "lock_register",
    "may_decide",
    "position_of",
    "prefill_planned_marks",
    "register_for",
    "require_decider",
    "sign_in_late",
    "sign_out_early",
    "take_register",
    "write_mark",
]
