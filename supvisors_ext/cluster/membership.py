"""Instance states: ticks, handshake outcome, silence reported by the bus thread
(docs/design/state-machine.md#instance-states); pure, main thread.

The FSM (engine.py) turns FAILED into STOPPED/ISOLATED and CHECKED into RUNNING; everything
before that lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from supvisors_ext.cluster.context import Context, InstanceRecord
from supvisors_ext.compat import SLOTS
from supvisors_ext.messages import StateModes
from supvisors_ext.model import (
    RUNNING_STATES,
    InstanceStates,
    LocalProcessInfo,
    NetworkInfo,
    ProcessStates,
)

I = InstanceStates  # noqa: E741
WATCHED = (I.CHECKING, I.CHECKED, I.RUNNING)


@dataclass(frozen=True, **SLOTS)
class PeerTick:
    """The parts of a TICK message the membership needs."""

    identifier: str
    sequence_counter: int
    when: float
    when_monotonic: float
    stereotypes: tuple[str, ...]
    run_id: str = ""  # '' from a sender that does not draw one


@dataclass(frozen=True, **SLOTS)
class HandshakeData:
    """What the handshake calls returned (made on a worker thread, validated there)."""

    seen_state: InstanceStates  # how the peer sees us
    strategies: tuple[tuple[str, object], ...]  # its get_strategies(), sorted items
    state_modes: StateModes
    processes: tuple[LocalProcessInfo, ...]
    network: NetworkInfo


class Membership:
    """Applies instance-level events to the context."""

    def __init__(self, context: Context, strategies: tuple[tuple[str, object], ...]) -> None:
        # silence is counted by the bus thread (PeerSilent, docs/design/bus.md#heartbeat)
        self.context = context
        self.strategies = strategies
        self.counter = 0  # local tick counter

    def accepts(self, identifier: str) -> bool:
        """Non-TICK messages are applied only from CHECKED or RUNNING peers."""
        record = self.context.instances.get(identifier)
        return record is not None and record.state in (I.CHECKED, I.RUNNING)

    def on_local_tick(self, now: float, wall: float) -> None:
        """Count a pass of our main-thread tick and keep the local record fresh."""
        self.counter += 1
        local = self.context.local
        tick = local.tick
        tick.remote_sequence_counter = tick.local_sequence_counter = self.counter
        tick.remote_mtime = tick.local_mtime = now
        tick.remote_time = tick.local_time = wall
        if local.state == I.STOPPED:
            local.state = I.CHECKED  # the local instance loads its own data directly

    def on_peer_silent(self, identifier: str) -> bool:
        """The bus thread heard no tick from a peer for too long: FAILED when it was watched
        (docs/design/state-machine.md#instance-states); True if it changed."""
        record = self.context.instances.get(identifier)
        if record is None or record is self.context.local or record.state not in WATCHED:
            return False
        record.state = I.FAILED
        return True

    def on_peer_tick(self, tick: PeerTick, now: float, wall: float) -> bool:
        """Record a peer's heartbeat; True when a handshake must start (STOPPED → CHECKING)."""
        record = self.context.instances.get(tick.identifier)
        if record is None or record.identifier == self.context.local_identifier:
            return False
        if self.context.local.state not in (I.CHECKED, I.RUNNING):
            return False  # remote ticks wait until we know ourselves
        if record.state == I.ISOLATED:
            return False
        data = record.tick
        data.remote_sequence_counter = tick.sequence_counter
        data.remote_mtime, data.remote_time = tick.when_monotonic, tick.when
        data.local_sequence_counter, data.local_mtime, data.local_time = self.counter, now, wall
        data.run_id = tick.run_id
        record.stereotypes = tick.stereotypes
        if record.state == I.STOPPED:
            record.state = I.CHECKING
            return True
        return False

    def on_peer_restart(self, tick: PeerTick) -> str:
        """A watched peer restarted quicker than the inactivity detection: its run id changed,
        or its tick counter went back. Its previous run (processes, state) is lost. FAILED, so
        that the FSM processes the loss and its next tick starts a new handshake; return why,
        or '' if it did not restart."""
        record = self.context.instances.get(tick.identifier)
        if record is None or record is self.context.local or record.state not in WATCHED:
            return ""
        known = record.tick.run_id
        if tick.run_id and known and tick.run_id != known:
            why = f"its run id changed from {known} to {tick.run_id}"
        elif tick.sequence_counter < record.tick.remote_sequence_counter:
            why = "its tick counter went back"
        else:
            return ""
        record.state = I.FAILED
        record.tick.run_id = tick.run_id  # the new run: its next ticks are no restart
        return why

    def on_handshake_failed(self, identifier: str) -> None:
        """A handshake call failed: back to STOPPED, retried at the peer's next tick."""
        record = self.context.instances.get(identifier)
        if record is not None and record.state == I.CHECKING:
            record.state = I.STOPPED

    def on_handshake(self, identifier: str, data: HandshakeData, now: float) -> str:
        """Authorize a peer or isolate it; return '' or the reason it was isolated."""
        record = self.context.instances.get(identifier)
        if record is None or record.state != I.CHECKING:
            return ""  # it failed or was isolated meanwhile
        if data.seen_state == I.ISOLATED:
            record.state = I.ISOLATED
            return "it has isolated this instance"
        if data.strategies != self.strategies:
            record.state = I.ISOLATED
            return f"its strategies {dict(data.strategies)} differ from ours"
        record.state = I.CHECKED
        record.state_modes = data.state_modes
        record.network = data.network
        for info in data.processes:
            self.context.update_process(identifier, info, now)
        return ""

    def on_call_failed(self, identifier: str) -> bool:
        """A call to a peer failed or timed out: FAILED
        (docs/design/state-machine.md#instance-states); True if it changed."""
        record = self.context.instances.get(identifier)
        if record is None or record.state not in WATCHED or record is self.context.local:
            return False
        record.state = I.FAILED
        return True


def lose_processes(context: Context, record: InstanceRecord, now: float) -> list[str]:
    """Mark every process running on a lost instance FATAL (docs/design/status.md#forced-state,
    docs/design/failures.md#node-loss).

    Returns the namespecs that were running there.
    """
    lost = []
    reason = f"Supervisor {record.identifier} lost"
    for process in list(context.iter_processes()):
        info = process.info_on(record.identifier)
        if info is None or info.state not in RUNNING_STATES:
            continue
        fatal = replace(
            info,
            state=ProcessStates.FATAL,
            expected=False,
            spawnerr=reason,
            description=reason,
            now_monotonic=info.now_monotonic,
        )
        context.update_process(record.identifier, fatal, now)
        lost.append(process.namespec)
    return lost
