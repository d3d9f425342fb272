"""Pending loads R(i) of one driver's start jobs (docs/design/placement.md#load); pure, main
thread."""

from __future__ import annotations


class PendingLoads:
    """Expected loading assigned by this driver's start jobs and not yet running.

    Keyed by namespec: a process is pending on one instance at a time, so adding a key
    again replaces its previous assignment. Mutable; main thread only.
    """

    def __init__(self) -> None:
        self._assigned: dict[str, tuple[str, int]] = {}

    def add(self, identifier: str, key: str, load: int) -> None:
        """Count `load` on `identifier` for the process `key` until it is removed."""
        self._assigned[key] = (identifier, load)

    def remove(self, key: str) -> None:
        """Forget the process `key` (running now, failed or abandoned); unknown keys are ignored."""
        self._assigned.pop(key, None)

    def total(self, identifier: str) -> int:
        """R(identifier): the sum of the loads pending there."""
        return sum(load for target, load in self._assigned.values() if target == identifier)

    def __len__(self) -> int:
        """Number of pending processes."""
        return len(self._assigned)
