"""Every error legame raises on purpose.

::

    LegameError                     base of everything below
    ├── InputError(ValueError)      bad input from a user: a file, a row, a field, an option
    │   └── SchemaError             a file or table that does not fit the canonical schema
    ├── StoreError                  the workspace store is missing, locked or too new
    ├── NotFittedError              a model used before ``fit``
    ├── ConvergenceError            a fit that did not converge (message: what to try)
    ├── NotFoundError(LookupError)  a customer, batch or key that does not exist
    ├── BenchError                  the benchmark cannot go on: a phase failed, or the
    │                               lifetimes venv or the server could not be started
    ├── PageError                   a web page that answers with an HTML error page
    └── SignInRequired              a web page that needs a session: to the sign-in form

Messages name the file, row, field and value where there is one, and suggest a fix.
The CLI turns these into one red line and exit code 1; the HTTP API into one JSON shape;
the web pages into an HTML error page (``PageError``) or the sign-in form
(``SignInRequired``). Every exception class legame defines is here (a test checks it).
"""

from __future__ import annotations


class LegameError(Exception):
    """Base class of every error legame raises on purpose."""


class InputError(LegameError, ValueError):
    """Bad input: a file, a row, a field or an option value."""


class SchemaError(InputError):
    """Input that does not fit the canonical schema (unknown table, missing key column)."""


class StoreError(LegameError):
    """The workspace store cannot be used: missing, locked, or from a newer legame."""


class NotFittedError(LegameError, AttributeError):
    """A model was asked for a prediction before ``fit`` was called."""


class ConvergenceError(LegameError, ArithmeticError):
    """A fit that did not converge; the message lists what to try."""


class NotFoundError(LegameError, LookupError):
    """A customer, batch or key that does not exist in the workspace."""


class BenchError(LegameError):
    """The benchmark cannot go on: a phase failed, or the lifetimes venv or the server it
    measures could not be started."""


class PageError(LegameError):
    """An HTML error page: ``status`` and the catalogue key of what to say."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message or f"error.{status}")
        self.status = status
        self.message = message or f"error.{status}"


class SignInRequired(LegameError):
    """The page needs a session: redirect to the sign-in form, then back."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path
