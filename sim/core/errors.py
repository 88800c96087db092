"""User-facing input errors.

Core objects: :class:`InputError`, the one exception the command line turns into a clean
message and exit code 2. It always names the file, and where known the key path and line.
:func:`did_you_mean` is the one place a misspelt name gets its suggestion.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

KeyPath = Sequence[str | int]
_PLAIN = re.compile(r"[A-Za-z0-9_-]+")


def format_path(path: KeyPath) -> str:
    """Render a key path as ``militias.kataib_hezbollah.compliance`` or ``events[2].day``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if _PLAIN.fullmatch(part) else repr(part)
            out += f".{text}" if out else text
    return out


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``options``, or ``""`` if none is close."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class InputError(Exception):
    """Bad user input: a scenario, sweep or command-line value that cannot be used.

    Attributes:
        file: The file at fault, or None for command-line values.
        path: The key path inside the file, possibly empty.
        line: The 1-based line number, when the YAML parser knows it.
        reason: What is wrong, in one sentence.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        path: KeyPath = (),
        line: int | None = None,
    ) -> None:
        """Create the error; ``str()`` gives the full one-line message."""
        self.file = file
        self.path = tuple(path)
        self.line = line
        self.reason = reason
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """``file:line: key.path: reason`` with the unknown parts left out."""
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            where += (": " if where else "") + format_path(self.path)
        text = f"{where}: {self.reason}" if where else self.reason
        return text.replace("\r", "\\r").replace("\n", "\\n")  # always one line
