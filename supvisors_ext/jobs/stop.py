"""A stop job: the processes of one application stopped by stop stages
(docs/design/jobs.md#stop-jobs); pure."""

from __future__ import annotations

from dataclasses import dataclass, field

from supvisors_ext.cluster.context import Context, ProcessRecord
from supvisors_ext.model import RUNNING_STATES, InstanceStates, ProcessStates


@dataclass(frozen=True, slots=True)
class StopCommand:
    """Ask `identifier` to stop `namespec` (supervisor.stopProcess there, no wait)."""

    identifier: str
    namespec: str


@dataclass(slots=True)
class StopRequest:
    record: ProcessRecord
    identifiers: tuple[str, ...] = ()
    requested_at: float = 0.0
    done: bool = False
    failed: bool = False
    seen_progress: bool = False


@dataclass(slots=True)
class StopJob:
    """Stop stages of one application, greatest stop_sequence first."""

    application: str
    stages: list[list[StopRequest]]
    tick_period: float
    stage_index: int = -1
    ended: bool = False
    failures: list[str] = field(default_factory=list)

    @property
    def event_timeout(self) -> float:
        return max(5.0, 2 * self.tick_period)

    def step(self, context: Context, now: float) -> list[StopCommand]:
        if self.ended:
            return []
        for request in self._current():
            if not request.done:
                self._follow(request, context, now)
        commands: list[StopCommand] = []
        while not self.ended and all(request.done for request in self._current()):
            commands += self._next_stage(now)
        return commands

    def _current(self) -> list[StopRequest]:
        return self.stages[self.stage_index] if 0 <= self.stage_index < len(self.stages) else []

    def _next_stage(self, now: float) -> list[StopCommand]:
        self.stage_index += 1
        if self.stage_index >= len(self.stages):
            self.ended = True
            return []
        commands = []
        for request in self._current():
            running = request.record.view().running_identifiers
            request.identifiers = running
            request.requested_at = now
            if not running:
                request.done = True
            commands += [StopCommand(identifier, request.record.namespec) for identifier in running]
        return commands

    def _follow(self, request: StopRequest, context: Context, now: float) -> None:
        still_running = []
        for identifier in request.identifiers:
            instance = context.instances.get(identifier)
            info = request.record.info_on(identifier)
            if instance is None or instance.state != InstanceStates.RUNNING or info is None:
                continue  # lost with its instance: nothing left to stop there
            if info.state == ProcessStates.STOPPING:
                request.seen_progress = True
            if info.state in RUNNING_STATES:
                still_running.append(info)
        if not still_running:
            request.done = True
            return
        elapsed = now - request.requested_at
        stopwait = max(info.stopwaitsecs for info in still_running)
        if (not request.seen_progress and elapsed > self.event_timeout) or (
            elapsed > stopwait + self.event_timeout
        ):
            request.done = request.failed = True
            self.failures.append(f"{request.record.namespec}: still running")


def build_stop_stages(records: list[ProcessRecord]) -> list[list[StopRequest]]:
    """Group processes by stop_sequence, greatest first."""
    by_sequence: dict[int, list[StopRequest]] = {}
    for record in sorted(records, key=lambda r: r.name):
        by_sequence.setdefault(record.rules.stop_sequence, []).append(StopRequest(record))
    return [by_sequence[key] for key in sorted(by_sequence, reverse=True)]
