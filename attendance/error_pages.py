"""Rollcall's own page when a request fails, above all when the database is out of reach.

A teacher saving a register while PostgreSQL restarts or fails over must be
told plainly that the marks were not saved and to try again in a minute
(the register page keeps them in the browser meanwhile: static/js/register.js),
not shown a generic error. The page is rendered without the request's
context processors, which would read the session and the user's roles from
the very database that is down.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

# A lost or refused connection, a failover, a server shutting down: all
# psycopg's OperationalError or InterfaceError, as Django re-raises them.
DATABASE_UNREACHABLE = (OperationalError, InterfaceError)


def server_error(request) -> HttpResponse:
    """handler500: a 503 "not saved, try again in a minute" when the database
    could not be reached, Django's own 500 page otherwise."""
    if isinstance(sys.exception(), DATABASE_UNREACHABLE):
        html = loader.get_template("503.html").render({"path": request.path})
        response = HttpResponse(html, status=503)
        response["Retry-After"] = "60"
        return response
    return defaults.server_error(request)
