"""Keeping the local context in sync with the peers: bus messages out and in, handshakes.

Main thread only. The bus thread and the peer workers hand their results over through the
inbox; `PeerSync.handle` applies them to the context and the membership.
"""

from __future__ import annotations

import secrets
import time
import xmlrpc.client
from collections.abc import Callable
from typing import Any

from supvisors_ext import messages
from supvisors_ext.cluster.context import Context
from supvisors_ext.cluster.membership import HandshakeData, Membership, PeerTick
from supvisors_ext.cluster.status import ForcedState
from supvisors_ext.config import Config
from supvisors_ext.faults import Faults
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.host.mainloop import Inbox
from supvisors_ext.message_decoder import local_info_from_payload, state_modes_from_payload
from supvisors_ext.model import InstanceId, InstanceStates, LocalProcessInfo
from supvisors_ext.net.beacon import Beacon
from supvisors_ext.net.bus import Bus
from supvisors_ext.net.bus_security import AuthRefused
from supvisors_ext.net.bus_thread import (
    BusFailure,
    BusReady,
    Dropped,
    HeartbeatPlan,
    Inbound,
    PeerEndpoint,
    PeerSilent,
)
from supvisors_ext.net.discovery import Discovered, Discovery, DiscoveryDropped, DiscoveryFailure
from supvisors_ext.net.network import network_from_payload
from supvisors_ext.net.peers import UNAUTHORIZED, Credentials, PeerCallers, PeerReply

DROP_LOG_PERIOD = 60.0
MAX_HELD_BACK = 10_000  # messages kept per CHECKING peer; beyond, the snapshot must do


def peer_url(host: str, port: int) -> str:
    return f"http://{host}:{port}/RPC2"


def handshake_job(peer: str, local: str) -> Callable[[xmlrpc.client.ServerProxy], object]:
    """The handshake calls of docs/design/state-machine.md#instance-states, run on the peer's worker
    thread."""

    def job(proxy: xmlrpc.client.ServerProxy) -> HandshakeData:
        rpc: Any = proxy.supvisors  # answers are checked below, as they are used
        networks = rpc.get_network_info(peer)
        if not isinstance(networks, list) or len(networks) != 1:
            raise ValueError(f"get_network_info({peer}) returned {networks!r}")
        network = network_from_payload(networks[0])
        seen = rpc.get_instance_info(local)
        if not isinstance(seen, list) or len(seen) != 1:
            raise ValueError(f"get_instance_info({local}) returned {seen!r}")
        strategies = rpc.get_strategies()
        [modes] = rpc.get_instance_state_modes(peer)
        processes = rpc.get_all_local_process_info()
        return HandshakeData(
            seen_state=InstanceStates[seen[0]["statename"]],
            strategies=tuple(sorted(dict(strategies).items())),
            state_modes=state_modes_from_payload(modes),
            processes=tuple(local_info_from_payload(item) for item in processes),
            network=network,
        )

    return job


class PeerSync:
    """Owns the bus and the peer workers of one supervisord run."""

    def __init__(
        self,
        config: Config,
        context: Context,
        membership: Membership,
        logger: PluginLogger,
        on_lost_peer: Callable[[str], None],
        credentials: Credentials | None = None,
    ) -> None:
        self.config = config
        self.credentials = credentials  # for every call to peers (docs/security.md)
        self.context = context
        self.membership = membership
        self.logger = logger
        self.on_lost_peer = on_lost_peer
        self.bus: Bus | None = None
        self.callers: PeerCallers | None = None
        self.discovery: Discovery | None = None
        self.handshakes: dict[int, str] = {}  # token -> peer
        self.held_back: dict[str, list[messages.Message]] = {}  # CHECKING peer -> messages
        self.reply_handlers: dict[int, Callable[[PeerReply], None]] = {}  # token -> callback
        self.failure = ""  # why the bus failed; the instance then stays OFF
        self.ready = False  # the bus is bound: the instance may leave OFF
        self._last_drop_log: dict[str, float] = {}
        # drawn at each start of this supervisord run (TICK `run_id`): peers tell a quick
        # reload from a late tick with it (docs/architecture.md, "Bus schema")
        self.run_id = new_run_id()
        context.local.tick.run_id = self.run_id

    # ----- lifecycle
    def start(self, inbox: Inbox) -> None:
        local = self.config.local
        peers = [item for item in self.config.instances if item.identifier != local.identifier]
        self.callers = PeerCallers(inbox.put, self.credentials)
        for item in peers:
            self.callers.add(item.identifier, peer_url(item.host, item.http_port))
        endpoints = [PeerEndpoint(item.identifier, item.host, item.internal_port) for item in peers]
        keys = self.config.bus_keys
        if keys is None:
            self.logger.warn(
                "the bus is plain (neither authenticated nor encrypted): use it on a trusted"
                " network only, or set bus_secret_key_file and bus_public_keys_dir"
            )
        self.bus = Bus(
            local.internal_port,
            endpoints,
            inbox.queue,
            inbox.wakeup,
            keys=keys,
            heartbeat=self.heartbeat_plan(),
        )
        self.bus.start()
        multicast = self.config.multicast
        if multicast is not None:
            beacon = Beacon.of(local, self.config.stereotypes)
            self.discovery = Discovery(multicast, beacon, self.config.tick_period, inbox.put)
            self.discovery.start()
            self.logger.info(
                f"discovery mode: heartbeats to {multicast.group}:{multicast.port}"
                f" (interface {multicast.interface or 'default'}, ttl {multicast.ttl});"
                " trust this network: any beacon received adds its instance"
            )

    def idle(self) -> bool:
        """No handshake in progress (the main loop may rest)."""
        return not self.handshakes

    def add_peer(self, instance: InstanceId) -> None:
        """Start talking to an instance found at run time: peer worker and bus subscription."""
        if self.callers is not None:
            self.callers.add(instance.identifier, peer_url(instance.host, instance.http_port))
        if self.bus is not None:
            endpoint = PeerEndpoint(instance.identifier, instance.host, instance.internal_port)
            self.bus.connect(endpoint)

    def stop(self) -> None:
        if self.discovery is not None:
            if not self.discovery.stop():
                self.logger.error("the discovery thread did not stop in time")
            self.discovery = None
        if self.bus is not None:
            try:
                self.bus.stop()
            except TimeoutError as exc:  # the rest of the cleanup must still happen
                self.logger.error(f"bus thread did not stop: {exc}")
            self.bus = None
        if self.callers is not None:
            stuck = self.callers.stop(timeout=2.0)
            if stuck:
                self.logger.warn(f"calls still in progress to {', '.join(stuck)} at stop")
            self.callers = None

    # ----- outgoing
    def publish(self, message: messages.Message) -> None:
        if self.bus is not None:
            self.bus.publish(message)

    def heartbeat_plan(self) -> HeartbeatPlan:
        """Our TICK, published by the bus thread (docs/design/bus.md#heartbeat)."""
        local = self.config.local
        return HeartbeatPlan(
            identifier=local.identifier,
            nick=local.nick,
            http_port=local.http_port,
            internal_port=local.internal_port,
            stereotypes=self.config.stereotypes,
            run_id=self.run_id,
            period=self.config.tick_period,
            inactivity_ticks=self.config.inactivity_ticks,
        )

    def publish_process(self, info: LocalProcessInfo, added: bool = False) -> None:
        kind = messages.ProcessAddedMessage if added else messages.ProcessMessage
        self.publish(kind(self.config.local.identifier, info.now_monotonic, info))

    def publish_removed(self, group: str, name: str) -> None:
        identifier = self.config.local.identifier
        self.publish(messages.ProcessRemovedMessage(identifier, time.monotonic(), group, name))

    def publish_state(self, state_modes: messages.StateModes) -> None:
        identifier = self.config.local.identifier
        self.publish(messages.StateMessage(identifier, time.monotonic(), state_modes))

    def publish_forced(self, group: str, name: str, forced: ForcedState) -> None:
        identifier = self.config.local.identifier
        self.publish(
            messages.ProcessForcedMessage(
                identifier,
                time.monotonic(),
                group,
                name,
                forced.state,
                forced.reason,
                forced.target,
            )
        )

    def submit(
        self,
        identifier: str,
        what: str,
        job: Callable[..., object],
        on_reply: Callable[[PeerReply], None] | None = None,
    ) -> int:
        """Queue a call to a peer; `on_reply` gets its outcome on the main thread (0: no peer)."""
        token = self.callers.submit(identifier, what, job) if self.callers else 0
        if token and on_reply is not None:
            self.reply_handlers[token] = on_reply
        return token

    def disconnect(self, identifier: str) -> None:
        if self.bus is not None:
            self.bus.disconnect(identifier)

    # ----- incoming
    def handle(self, item: object) -> bool:
        """Apply one inbox item; True when the FSM should be evaluated again."""
        if isinstance(item, Inbound):
            return self._on_message(item.message)
        if isinstance(item, PeerReply):
            return self._on_reply(item)
        if isinstance(item, Discovered):
            return self._on_discovered(item)
        if isinstance(item, PeerSilent):
            if not self.membership.on_peer_silent(item.identifier):
                return False
            ticks = self.config.inactivity_ticks
            self.logger.warn(f"{item.identifier} FAILED: no tick for {ticks} ticks")
            return True
        if isinstance(item, Dropped):
            self._log_drop(item.sender, item.reason)
        elif isinstance(item, DiscoveryDropped):
            self._warn_limited(
                f"beacon:{item.source}",
                f"discovery datagram from {item.source} dropped: {item.reason}",
            )
        elif isinstance(item, DiscoveryFailure):
            if item.fatal:
                self.logger.error(f"discovery mode off: {item.reason}")
            else:
                self.logger.warn(item.reason)
        elif isinstance(item, AuthRefused):  # already limited to one per minute by the bus
            self.logger.warn(f"bus peer {item.address} refused: {item.reason}")
        elif isinstance(item, BusReady):
            self.ready = not self.failure
        elif isinstance(item, BusFailure):
            self.failure = item.reason
            self.logger.critical(
                f"bus failure: {item.reason}; this instance stays out of the cluster"
            )
        return False

    def _on_discovered(self, item: Discovered) -> bool:
        """A beacon: an unknown instance is appended to the context and connected; its TICKs
        then start the normal handshake (docs/configuration.md#discovery-mode)."""
        beacon = item.beacon
        if beacon.identifier in self.context.instances:
            known = self.context.instances[beacon.identifier].id
            if known != beacon.instance:
                self._warn_limited(
                    f"beacon:{beacon.identifier}",
                    f"discovery: {beacon.identifier} announces {beacon.instance}, which differs"
                    f" from the known {known}: the known one is kept",
                )
            return False
        try:
            self.context.add_instance(beacon.instance, beacon.stereotypes)
        except ValueError as exc:
            self._warn_limited(f"beacon:{beacon.identifier}", f"discovery: {exc}: ignored")
            return False
        self.add_peer(beacon.instance)
        stereotypes = ",".join(beacon.stereotypes) or "none"
        self.logger.info(
            f"discovered {beacon.nick} ({beacon.identifier}, bus port {beacon.internal_port},"
            f" stereotypes {stereotypes}) from {item.source}"
        )
        return True

    def _on_message(self, message: messages.Message) -> bool:
        now = time.monotonic()
        sender = message.identifier
        record = self.context.instances.get(sender)
        if record is None or sender == self.context.local_identifier:
            self._log_drop(sender, f"message {message.topic} from unknown sender {sender!r}")
            return False
        if record.state == InstanceStates.ISOLATED:
            self._log_drop(sender, f"message {message.topic} from ISOLATED {sender}")
            return False
        if isinstance(message, messages.TickMessage):
            tick = PeerTick(
                sender,
                message.sequence_counter,
                message.when,
                message.when_monotonic,
                message.stereotypes,
                message.run_id,
            )
            restarted = self.membership.on_peer_restart(tick)
            if restarted:
                self.logger.warn(f"{sender} FAILED: it restarted ({restarted})")
                return True
            if self.membership.on_peer_tick(tick, now, time.time()):
                self._start_handshake(sender)
                return True
            return False
        if not self.membership.accepts(sender):
            # except TICK, only CHECKED or RUNNING senders count (docs/design/bus.md); what a
            # CHECKING peer sends is held back and replayed once its handshake snapshot is
            # loaded (our choice), so an event between snapshot and authorization is not lost
            held = self.held_back.get(sender)
            if held is not None and len(held) < MAX_HELD_BACK:
                held.append(message)
            return False
        return self._apply(message, now)

    def _apply(self, message: messages.Message, now: float) -> bool:
        sender = message.identifier
        if isinstance(message, (messages.ProcessMessage, messages.ProcessAddedMessage)):
            self.context.update_process(sender, message.info, now)
            return True
        if isinstance(message, messages.ProcessRemovedMessage):
            self.context.remove_process(sender, message.group, message.name, now)
            return True
        if isinstance(message, messages.ProcessForcedMessage):
            forced = ForcedState(message.state, message.reason, message.target, now)
            self.context.force_state(message.group, message.name, forced)
            return True
        if isinstance(message, messages.StateMessage):
            record = self.context.instances[sender]
            changed = record.state_modes != message.state_modes
            record.state_modes = message.state_modes
            return changed  # re-published every tick: evaluate only on a change
        return False

    def _start_handshake(self, peer: str) -> None:
        # a restarted peer's monotonic clock restarts too: forget what it told us before
        self.context.forget_instance(peer, time.monotonic())
        token = self.submit(peer, "handshake", handshake_job(peer, self.context.local_identifier))
        self.handshakes[token] = peer
        self.held_back[peer] = []

    def _on_reply(self, reply: PeerReply) -> bool:
        handler = self.reply_handlers.pop(reply.token, None)
        self._note_auth(reply)
        if reply.http_status == UNAUTHORIZED:
            self._warn_limited(
                f"unauthorized:{reply.identifier}",
                f"{reply.identifier} refused our credentials (HTTP 401): [inet_http_server]"
                " username and password must be the same on every instance",
            )
        if reply.timed_out:
            # a call that takes more than 10 s marks the peer FAILED
            # (docs/design/state-machine.md#execution-model)
            self.membership.on_call_failed(reply.identifier)
        if handler is not None:
            handler(reply)
            return True
        peer = self.handshakes.pop(reply.token, None)
        if peer is None:
            if not reply.ok:
                self.logger.warn(f"call {reply.what} on {reply.identifier} failed: {_why(reply)}")
            return False
        held = self.held_back.pop(peer, [])
        if not reply.ok or not isinstance(reply.value, HandshakeData):
            text = f"handshake with {peer} failed: {_why(reply)}; retried"
            if self._not_discovered_yet(reply):
                self.logger.debug(text)
            else:
                self._warn_limited(f"handshake:{peer}", text)
            if reply.timed_out:
                return self.membership.on_call_failed(peer)
            self.membership.on_handshake_failed(peer)
            return True
        reason = self.membership.on_handshake(peer, reply.value, time.monotonic())
        if reason:
            self.logger.warn(f"{peer} ISOLATED: {reason}")
            self.disconnect(peer)
            self.context.forget_instance(peer, time.monotonic())
        else:
            self.logger.info(f"{peer} CHECKED")
            now = time.monotonic()
            for message in held:  # older than the snapshot: the ordering check drops it
                self._apply(message, now)
        return True

    def _note_auth(self, reply: PeerReply) -> None:
        """Keep whether the peer refused our credentials (instance info `http_auth_refused`)."""
        record = self.context.instances.get(reply.identifier)
        if record is None:
            return
        if reply.http_status == UNAUTHORIZED:
            record.auth_refused = True
        elif reply.ok or reply.fault is not None:  # it answered: our credentials passed
            record.auth_refused = False

    def _not_discovered_yet(self, reply: PeerReply) -> bool:
        """Discovery mode: the peer does not know us yet (our beacon is on its way)."""
        fault = reply.fault
        return (
            self.config.multicast is not None
            and fault is not None
            and fault.code == Faults.BAD_NAME
        )

    def _log_drop(self, sender: str, reason: str) -> None:
        self._warn_limited(sender, f"bus message dropped: {reason}")

    def _warn_limited(self, key: str, text: str) -> None:
        """At most one warning per key per minute (docs/design/bus.md)."""
        now = time.monotonic()
        if now - self._last_drop_log.get(key, -DROP_LOG_PERIOD) >= DROP_LOG_PERIOD:
            self._last_drop_log[key] = now
            self.logger.warn(text)


def new_run_id() -> str:
    """A nonce naming one run of this supervisord (16 hex digits)."""
    return secrets.token_hex(8)


def _why(reply: PeerReply) -> str:
    if reply.fault is not None:
        return reply.fault.text
    return reply.error or f"unexpected answer {reply.value!r}"
