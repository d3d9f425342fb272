"""``[program:x]`` / ``[group:x]`` sections running small ``sys.executable -c`` stand-ins."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterable
from pathlib import Path

#: waits for a signal without consuming CPU; SIGTERM (supervisord's stop) ends it
SLEEPER_CODE = "import signal; signal.pause()"


def python_command(code: str, *args: str) -> str:
    """A supervisord ``command`` running ``sys.executable -c code args...``.

    Arguments are shell-quoted (supervisord splits with shlex) and ``%`` is doubled
    (supervisord expands ``%(...)s`` in commands).
    """
    parts = [sys.executable, "-c", code, *args]
    return " ".join(shlex.quote(part) for part in parts).replace("%", "%%")


def sleeper_command() -> str:
    """A command that runs until signalled."""
    return python_command(SLEEPER_CODE)


def exit_command(code: int = 0) -> str:
    """A command that exits at once with ``code``."""
    return python_command(f"import sys; sys.exit({int(code)})")


def _format(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


def program_section(
    name: str,
    command: str | None = None,
    *,
    autostart: bool = True,
    startsecs: int = 0,
    **options: object,
) -> str:
    """A ``[program:name]`` section; ``command`` defaults to a sleeper.

    ``startsecs`` defaults to 0 (RUNNING as soon as spawned) to keep tests fast; any other
    supervisor key can be given as a keyword (``autorestart=False``, ``stopasgroup=True``,
    ``exitcodes=[0, 2]``, ``priority=10``...). None values are omitted.
    """
    keys: dict[str, object] = {
        "command": command or sleeper_command(),
        "autostart": autostart,
        "startsecs": startsecs,
        **options,
    }
    body = "".join(f"{key} = {_format(val)}\n" for key, val in keys.items() if val is not None)
    return f"[program:{name}]\n{body}"


def group_section(name: str, programs: Iterable[str], priority: int | None = None) -> str:
    """A ``[group:name]`` section gathering ``programs``."""
    text = f"[group:{name}]\nprograms = {','.join(programs)}\n"
    if priority is not None:
        text += f"priority = {priority}\n"
    return text


def write_ini(path: Path, *sections: str) -> Path:
    """Write sections into an ini file (e.g. one matched by an ``[include]`` glob)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(section.strip() + "\n" for section in sections))
    return path
