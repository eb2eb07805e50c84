"""Errors a user can fix: bad scenario files, bad overrides, refused output folders.

Every :class:`UserError` carries a message that names where the problem is (file
and key path), the offending value and what is allowed. The command line prints
the message without a traceback and exits with status 2.
"""

from __future__ import annotations

import reprlib
from typing import Any

_EXCERPT = reprlib.Repr()
_EXCERPT.maxlevel = 3
_EXCERPT.maxtuple = _EXCERPT.maxlist = _EXCERPT.maxdict = _EXCERPT.maxset = 4
_EXCERPT.maxstring = _EXCERPT.maxother = 50


def excerpt(value: Any, width: int = 60) -> str:
    """A short ``repr`` of ``value`` for a message, built without expanding the whole value.

    Containers show their first few items and nest a few levels deep (an aliased
    YAML value may stand for billions of items); the text is then cut to
    ``width`` characters.
    """
    text = _EXCERPT.repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


class UserError(Exception):
    """An error caused by input the user can correct."""


class ScenarioError(UserError):
    """A scenario file, override or experiment definition is invalid.

    Parameters
    ----------
    problems
        One line per problem, each already naming the key path and value.
    source
        The file the problems were found in, if any.
    """

    def __init__(self, problems: list[str] | str, source: str | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.source}: " if self.source else ""
        if len(self.problems) == 1:
            return f"{where}{self.problems[0]}"
        lines = "\n".join(f"  - {p}" for p in self.problems)
        return f"{where}{len(self.problems)} problems:\n{lines}"


class OutputError(UserError):
    """A result folder cannot be written without losing earlier results."""


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM); handled like Ctrl-C."""
