"""The run-once arbiter (our choice): the Master grants start jobs; pure
(docs/design/jobs.md#admission).

Every start of a managed application (or of one of its processes) is admitted by ONE instance,
the Master, which grants at most one start job per application at a time, from its own view plus
the grants it has not yet seen completed. Keys are application names or namespecs; an application
key conflicts with every namespec of that application and the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

GRANT_TIMEOUT = 15.0  # a grant never seen in use is released after this (the requester vanished)


def application_of(key: str) -> str:
    return key.split(":", 1)[0]


def _one_process(key: str) -> bool:
    """`group:name`; `group:*` (start_process of a whole group) covers every process."""
    return ":" in key and not key.endswith(":*")


@dataclass(slots=True)
class Grant:
    key: str
    requester: str
    granted_at: float
    seen_starting: bool = False


@dataclass(slots=True)
class GrantBook:
    """Grants handed out by the Master (main thread of the Master only)."""

    grants: dict[str, Grant] = field(default_factory=dict)

    def request(self, key: str, requester: str, now: float, already_started: bool) -> str:
        """Grant a start; return '' when granted, else why it is refused."""
        if already_started:
            return f"{key} is already started"
        application = application_of(key)
        for grant in self.grants.values():
            if grant.key == key or application_of(grant.key) == application:
                if _one_process(grant.key) and _one_process(key) and grant.key != key:
                    continue  # two different processes of one application may start together
                return f"{key} is being started by {grant.requester}"
        self.grants[key] = Grant(key, requester, now)
        return ""

    def refresh(
        self, starting: Mapping[str, tuple[str, ...]], alive: set[str], now: float
    ) -> list[str]:
        """Release grants that are used up; return the released keys.

        `starting` maps each instance to the applications it reports starting.
        """
        released = []
        for key, grant in list(self.grants.items()):
            application = application_of(key)
            in_use = application in starting.get(grant.requester, ())
            grant.seen_starting = grant.seen_starting or in_use
            done = grant.seen_starting and not in_use
            stale = not grant.seen_starting and now - grant.granted_at > GRANT_TIMEOUT
            if done or stale or grant.requester not in alive:
                del self.grants[key]
                released.append(key)
        return released

    def release(self, key: str, requester: str) -> bool:
        """The requester's job has ended: its grant is free again."""
        grant = self.grants.get(key)
        if grant is None or grant.requester != requester:
            return False
        del self.grants[key]
        return True

    def clear(self) -> None:
        self.grants.clear()
