"""The plugin's logger: a prefixing adapter over a supervisor logger (main thread only)."""

from __future__ import annotations

from typing import Protocol

from supervisor import loggers

from supvisors_ext.model import LogLevels

LOG_FORMAT = "%(asctime)s %(levelname)s %(message)s\n"


class SupervisorLogger(Protocol):
    """The subset of `supervisor.loggers.Logger` we use."""

    level: int

    def critical(self, msg: str) -> None: ...
    def error(self, msg: str) -> None: ...
    def warn(self, msg: str) -> None: ...
    def info(self, msg: str) -> None: ...
    def debug(self, msg: str) -> None: ...
    def trace(self, msg: str) -> None: ...
    def blather(self, msg: str) -> None: ...


class PluginLogger:
    """Prefixes every line with `supvisors:` so plugin lines stand out in supervisord's log.

    Messages are passed without keyword arguments, so supervisor never %-formats them.
    """

    PREFIX = "supvisors: "

    def __init__(self, target: SupervisorLogger, owns_target: bool) -> None:
        self.target = target
        self.owns_target = owns_target

    def critical(self, msg: str) -> None:
        self.target.critical(self.PREFIX + msg)

    def error(self, msg: str) -> None:
        self.target.error(self.PREFIX + msg)

    def warn(self, msg: str) -> None:
        self.target.warn(self.PREFIX + msg)

    def info(self, msg: str) -> None:
        self.target.info(self.PREFIX + msg)

    def debug(self, msg: str) -> None:
        self.target.debug(self.PREFIX + msg)

    def trace(self, msg: str) -> None:
        self.target.trace(self.PREFIX + msg)

    def blather(self, msg: str) -> None:
        self.target.blather(self.PREFIX + msg)

    def set_level(self, level: LogLevels) -> None:
        """Change the level of our own logger (and supervisord's when we share it: logfile=AUTO)."""
        self.target.level = int(level)
        for handler in getattr(self.target, "handlers", []):
            handler.setLevel(int(level))

    def close(self) -> None:
        """Close our own file handlers; supervisord's logger is never closed by us."""
        if self.owns_target:
            close = getattr(self.target, "close", None)
            if close is not None:
                close()


def make_plugin_logger(
    supervisord_logger: SupervisorLogger,
    logfile: str | None,
    maxbytes: int,
    backups: int,
    level: LogLevels,
) -> PluginLogger:
    """Log into supervisord's logger (logfile AUTO) or into our own rotating file."""
    if logfile is None:
        return PluginLogger(supervisord_logger, owns_target=False)
    logger = loggers.getLogger(int(level))
    loggers.handle_file(
        logger, logfile, LOG_FORMAT, rotating=bool(maxbytes), maxbytes=maxbytes, backups=backups
    )
    return PluginLogger(logger, owns_target=True)
