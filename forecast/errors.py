"""One error base for every problem a user can fix.

The command line catches ``ForecastError`` only: its message is shown without a traceback
and the exit code is 2 (1 for invalid input files). Anything else is a bug and is shown as one.
Messages speak of the domain (a store, a report date, a history), never of command-line flags.
An error may also carry ``key`` and ``params``: the label (``forecast.labels``) that says it in the
user's language, so that an interface shows it in Thai or English; the English text is the message.
"""

from __future__ import annotations


class ForecastError(Exception):
    """A problem the user can fix; the message says what is wrong and how to go on.

    ``key`` names the label that says it in another language, filled with ``params`` (``say``)."""

    def __init__(self, message: str = "", *, key: str = "", **params: object):
        super().__init__(message)
        self.key = key
        self.params = params


class StoreError(ForecastError):
    """A store that cannot be opened, trusted or written."""


class RegistryError(ForecastError):
    """A model set that cannot be saved, found or trusted."""


class HistoryError(ForecastError):
    """A history that cannot train or test the models (too few complete years, no table)."""


class InputError(ForecastError):
    """An argument outside its domain (a target share above 1, a date that is not a date)."""
