"""The error a rule raises when a request would break it."""

from __future__ import annotations


class RuleError(ValueError):
    """A request that breaks a rule; each message is a plain sentence for the form.

    Services raise it before changing anything, so a view can show the
    messages and the database is as it was.
    """

    def __init__(self, *messages: str):
        self.messages = [m for m in messages if m]
        super().__init__(" ".join(self.messages))
