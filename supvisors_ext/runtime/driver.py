"""Application control on the main thread: admission, jobs, automatic start, global stop.

The pure `Jobs` decide; this module turns their commands into calls: local ones straight into
supervisord (through the adapter), remote ones through the peer workers, whose replies come back
through the inbox.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from supvisors_ext.cluster.admission import GrantBook
from supvisors_ext.cluster.context import ApplicationRecord, Context, ProcessRecord
from supvisors_ext.cluster.status import ForcedState
from supvisors_ext.host.adapter import SupervisorAdapter
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.jobs.control import Command, Jobs
from supvisors_ext.jobs.start import (
    NO_RESOURCE,
    ForceCommand,
    StartCommand,
    StartJob,
    StopApplicationCommand,
)
from supvisors_ext.jobs.stop import StopCommand, StopJob
from supvisors_ext.model import InstanceStates, ProcessStates, StartingStrategies
from supvisors_ext.net.peers import PeerReply, call
from supvisors_ext.runtime.admission_client import AdmissionClient, Ticket
from supvisors_ext.runtime.sync import PeerSync

SPAWNS_PER_PASS = 4


class Driver:
    """Application and process control driven by this instance."""

    def __init__(
        self,
        context: Context,
        adapter: SupervisorAdapter,
        sync: PeerSync,
        logger: PluginLogger,
        tick_period: float,
        master: Callable[[], str],
    ) -> None:
        self.context = context
        self.adapter = adapter
        self.sync = sync
        self.logger = logger
        self.master = master
        self.jobs = Jobs(context, tick_period)
        self.grants = GrantBook()
        # multi-job sequences: groups of applications, the head group being in progress once
        # `*_begun` is True
        self.distribution: list[list[str]] = []
        self.distribution_active = self.distribution_begun = False
        self.global_stop: list[list[str]] = []
        self.global_stop_active = self.global_stop_begun = False
        self._stepping = self._again = False
        self.admission = AdmissionClient(context.local_identifier, self.grants, sync, master)
        self.auto_tickets: dict[str, Ticket] = {}  # automatic starts awaiting admission
        self.local_starts: deque[StartCommand] = deque()
        self.wakeup: Callable[[], None] = lambda: None  # set once the main-loop pipe exists
        # failure handling, after each pass of the jobs (set by the plugin)
        self.after_step: Callable[[], None] = lambda: None
        self.last_distribution_size = 0
        # applications whose automatic start or repair found no room: the Master starts them
        # again once room appears (room_retry.py); a user's failed start is not retried
        self.no_room_automatic: set[str] = set()
        # remote starts held to be sent together (remote_starts_batched), per target
        self._remote_batch: dict[str, list[StartCommand]] | None = None

    @property
    def local(self) -> str:
        return self.context.local_identifier

    def admit(self, key: str, already_started: bool, repair: bool = False) -> Ticket:
        """Ask the Master for a start grant (`AdmissionClient.admit`)."""
        return self.admission.admit(key, already_started, repair)

    # ----- planning
    def start_application(
        self, application: ApplicationRecord, strategy: StartingStrategies, repair: bool = False
    ) -> StartJob:
        """`repair`: a failover start, each process with the extra args of its last start."""
        job, commands = self.jobs.start_application(
            application, strategy, self.local, time.monotonic(), reuse_extra_args=repair
        )
        self.admission.bind(application.name, job)
        self.execute(commands)
        self.admission.release_ended()
        return job

    def start_processes(
        self,
        application: ApplicationRecord,
        records: list[ProcessRecord],
        strategy: StartingStrategies,
        extra_args: str,
        repair: bool = False,
    ) -> StartJob:
        job, commands = self.jobs.start_processes(
            application,
            records,
            strategy,
            self.local,
            time.monotonic(),
            extra_args,
            reuse_extra_args=repair,
        )
        key = records[0].namespec if len(records) == 1 else f"{application.name}:*"
        self.admission.bind(key, job)
        self.execute(commands)
        self.admission.release_ended()
        return job

    def stop_processes(
        self, application: ApplicationRecord, records: list[ProcessRecord], key: str
    ) -> StopJob:
        job, commands = self.jobs.stop_processes(application, records, time.monotonic(), key)
        self.execute(commands)
        return job

    def stop_application(self, application: ApplicationRecord) -> StopJob:
        return self.stop_processes(
            application, list(application.processes.values()), application.name
        )

    def idle(self) -> bool:
        """No job, sequence, admission or spawn in progress (the main loop may rest)."""
        return not (
            self.jobs.start_jobs
            or self.jobs.stop_jobs
            or self.distribution_active
            or self.global_stop_active
            or self.local_starts
            or self.auto_tickets
            or self.grants.grants
            or self.admission.held
        )

    # ----- stepping
    def step(self) -> None:
        """Advance every job (on each process event and tick), then the multi-job sequences.

        A local spawn emits supervisor events synchronously, which call `step` again: such a
        nested call only asks the running one to loop once more.
        """
        if self._stepping:
            self._again = True
            return
        self._stepping = True
        try:
            self._again = True
            while self._again:
                self._again = False
                self.execute(self.jobs.step(time.monotonic()))
                self.admission.release_ended()
                self._advance_distribution()
                self._advance_global_stop()
                self.after_step()
        finally:
            self._stepping = False

    def abort(self) -> None:
        self.jobs.abort_all()
        self.local_starts.clear()
        self.admission.clear()  # the Master changes or the cluster stops: its book is cleared too
        self.auto_tickets.clear()
        self.distribution, self.distribution_active = [], False
        self.global_stop, self.global_stop_active = [], False
        self.distribution_begun = self.global_stop_begun = False

    # ----- commands
    def execute(self, commands: list[Command]) -> None:
        remote: dict[str, list[StartCommand]] = {}
        for command in commands:
            if isinstance(command, StartCommand):
                if command.identifier == self.local:
                    self._queue_local(command)
                else:  # one call per target for the whole batch (a stage of 10 items: 1 call)
                    remote.setdefault(command.identifier, []).append(command)
            elif isinstance(command, StopCommand):
                self._stop(command)
            elif isinstance(command, ForceCommand):
                self.force(command)
            elif isinstance(command, StopApplicationCommand):
                application = self.context.applications.get(command.application)
                if application is not None:
                    self.logger.warn(f"{command.application}: starting failure, stopping it")
                    self.stop_application(application)
        for identifier, starts in remote.items():
            if self._remote_batch is not None:
                self._remote_batch.setdefault(identifier, []).extend(starts)
            else:
                self._start_remote(identifier, starts)

    @contextmanager
    def remote_starts_batched(self) -> Iterator[None]:
        """The remote starts planned meanwhile go out as one call per target at the end: the
        automatic start of 100 applications is then 1 call per server instead of 33 calls in
        a row, whose last ones missed the STARTING deadline (issue 18, X=100)."""
        if self._remote_batch is not None:
            yield  # nested: the outer window sends them
            return
        self._remote_batch = {}
        try:
            yield
        finally:
            batch, self._remote_batch = self._remote_batch, None
            for identifier, starts in batch.items():
                self._start_remote(identifier, starts)

    def force_fatal(self, record: ProcessRecord, reason: str) -> None:
        """A spawn error found before spawning: show the process FATAL with the reason."""
        self.force(ForceCommand(record.group, record.name, ProcessStates.FATAL, reason, self.local))

    def force(self, command: ForceCommand) -> None:
        forced = ForcedState(command.state, command.reason, command.target, time.monotonic())
        self.context.force_state(command.group, command.name, forced)
        self.sync.publish_forced(command.group, command.name, forced)
        self.logger.warn(
            f"{command.group}:{command.name} forced {command.state.name}: {command.reason}"
        )

    def _queue_local(self, command: StartCommand) -> None:
        # spawned a few per main-loop pass (spawn_local_starts): a burst of 30
        # applications must not starve the heartbeat and get this instance declared FAILED
        self.local_starts.append(command)
        self.wakeup()

    def _start_remote(self, identifier: str, starts: list[StartCommand]) -> None:
        """`supvisors.start_args` on a peer for each start, batched in one system.multicall."""
        calls = [
            {"methodName": "supvisors.start_args", "params": [c.namespec, c.extra_args, False]}
            for c in starts
        ]
        names = ", ".join(c.namespec for c in starts)
        self.sync.submit(
            identifier,
            f"start_args({names})",
            call("system.multicall", calls),
            lambda reply: self._on_start_replies(starts, reply),
        )

    def queue_local_start(self, namespec: str, extra_args: str) -> None:
        """A start requested by a peer (start_args without wait): spawned like our own."""
        self._queue_local(StartCommand(self.local, namespec, extra_args))

    def spawn_local_starts(self, limit: int = SPAWNS_PER_PASS) -> bool:
        """Main loop: spawn up to `limit` queued local starts; True if some remain."""
        for _ in range(min(limit, len(self.local_starts))):
            command = self.local_starts.popleft()
            error = self.adapter.start_process(command.namespec, command.extra_args)
            if error is not None:
                self.execute(self.jobs.refused(command.namespec, error.text))
                self.step()  # the next stage or the job's end need not wait for an event
        return bool(self.local_starts)

    def _on_start_replies(self, starts: list[StartCommand], reply: PeerReply) -> None:
        """Each start that the peer refused (or the whole call, if it failed) is a failure."""
        if reply.ok and isinstance(reply.value, list) and len(reply.value) == len(starts):
            refusals = [
                (command, str(result.get("faultString", "refused")))
                for command, result in zip(starts, reply.value)
                if isinstance(result, dict)
            ]
        else:
            why = reply.fault.text if reply.fault else reply.error or repr(reply.value)
            refusals = [(command, why) for command in starts]
        for command, why in refusals:
            self.execute(self.jobs.refused(command.namespec, why))
        if refusals:
            self.step()

    def _stop(self, command: StopCommand) -> None:
        if command.identifier == self.local:
            self.adapter.stop_process(command.namespec)
            return
        self.sync.submit(
            command.identifier,
            f"stopProcess({command.namespec})",
            call("supervisor.stopProcess", command.namespec, False),
            lambda reply: None,  # NOT_RUNNING is fine: the stop job watches the states
        )

    # ----- automatic start (docs/design/jobs.md#automatic-start-and-repair)
    def start_distribution(self, exclude: set[str] | None = None) -> None:
        """Plan the automatic start: applications to (re)start, grouped by start_sequence."""
        groups: dict[int, list[str]] = {}
        for application in self.context.applications.values():
            rules = application.rules
            if rules is None or rules.start_sequence <= 0 or application.name in (exclude or ()):
                continue
            status = application.status()
            never = all(
                obs.info.stop == 0 and obs.info.state == ProcessStates.STOPPED
                for record in application.processes.values()
                for obs in record.observations.values()
            )
            if never or status.major_failure or status.minor_failure:
                groups.setdefault(rules.start_sequence, []).append(application.name)
        self.distribution = [sorted(groups[key]) for key in sorted(groups)]
        self.last_distribution_size = sum(len(group) for group in self.distribution)
        self.distribution_active, self.distribution_begun = True, False
        self._advance_distribution()

    def distribution_done(self) -> bool:
        return not self.distribution_active

    def _advance_distribution(self) -> None:
        if not self.distribution_active:
            return
        with self.remote_starts_batched():
            self._advance_distribution_groups()

    def _advance_distribution_groups(self) -> None:
        self._use_auto_tickets()
        while self.distribution:
            group = self.distribution[0]
            if any(self.jobs.busy(name) or name in self.auto_tickets for name in group):
                return
            if self.distribution_begun:
                self.distribution.pop(0)
                self.distribution_begun = False
                continue
            self.distribution_begun = True
            for name in group:
                self._auto_start(name)
        self.distribution_active = False

    def _auto_start(self, name: str) -> None:
        application = self.context.applications.get(name)
        if application is None or application.rules is None:
            return
        self.auto_tickets[name] = self.admit(name, self.starting_anywhere(name), repair=True)
        self._use_auto_tickets()

    def _use_auto_tickets(self) -> None:
        """Start the applications whose admission is decided (a remote Master answers late)."""
        for name, ticket in list(self.auto_tickets.items()):
            if not ticket.decided and time.monotonic() < ticket.expires:
                continue
            del self.auto_tickets[name]
            application = self.context.applications.get(name)
            if not ticket.decided or ticket.reason or application is None or not application.rules:
                why = ticket.reason or "the Master did not answer"
                self.logger.info(f"{name} not started automatically: {why}")
                continue
            job = self.start_application(application, application.rules.starting_strategy)
            self.note_no_room(name, job)

    def note_no_room(self, name: str, job: StartJob) -> None:
        """An automatic start or a repair that found no room is to be tried again."""
        if job.ended and any(NO_RESOURCE in failure for failure in job.failures):
            self.no_room_automatic.add(name)

    def starting_anywhere(self, name: str) -> bool:
        """Some instance (this one included) has a start job for the application."""
        if name in self.jobs.starting_applications():
            return True
        return any(
            record.state_modes is not None and name in record.state_modes.starting_applications
            for record in self.context.instances.values()
            if record.state == InstanceStates.RUNNING
        )

    # ----- global stop (docs/design/jobs.md#stop-jobs)
    def start_global_stop(self) -> None:
        groups: dict[int, list[str]] = {}
        for application in self.context.applications.values():
            if any(record.view().running_identifiers for record in application.processes.values()):
                sequence = application.rules.stop_sequence if application.rules else 0
                groups.setdefault(sequence, []).append(application.name)
        self.global_stop = [sorted(groups[key]) for key in sorted(groups, reverse=True)]
        self.global_stop_active, self.global_stop_begun = True, False
        self._advance_global_stop()

    def global_stop_done(self) -> bool:
        return not self.global_stop_active

    def _advance_global_stop(self) -> None:
        if not self.global_stop_active:
            return
        while self.global_stop:
            group = self.global_stop[0]
            if any(self.jobs.busy(name) for name in group):
                return
            if self.global_stop_begun:
                self.global_stop.pop(0)
                self.global_stop_begun = False
                continue
            self.global_stop_begun = True
            for name in group:
                application = self.context.applications.get(name)
                if application is not None:
                    self.stop_application(application)
        self.global_stop_active = False
