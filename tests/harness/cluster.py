"""A set of real ``supervisord -n`` instances on 127.0.0.1, started, signalled and cleaned up."""

from __future__ import annotations

import atexit
import contextlib
import signal
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from tests.harness import sessions
from tests.harness.config import InstanceSpec, OptionValue, plugin_options, supvisors_list
from tests.harness.instance import Instance
from tests.harness.ports import PortBlock, reserve_ports
from tests.harness.rpc import DEFAULT_RPC_TIMEOUT
from tests.harness.waiting import DEFAULT_INTERVAL, DEFAULT_TIMEOUT, WaitAborted, wait_until

T = TypeVar("T")

START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0

_LIVE: weakref.WeakSet[Cluster] = weakref.WeakSet()


@atexit.register
def _close_forgotten_clusters() -> None:
    """Last resort if a Cluster was never closed (e.g. used outside the fixture)."""
    for cluster in list(_LIVE):
        with contextlib.suppress(Exception):
            cluster.close()


class Cluster:
    """Instances added with ``add()``, configured and launched with ``start()``.

    ``plugin`` and ``supvisors_options`` are cluster-wide defaults; ``add()`` overrides them
    per instance. The supvisors_list lists every added instance (``listed=True``) in the
    order of ``add()``. Configurations are (re)written at each ``start()``.
    """

    def __init__(
        self,
        root: Path,
        *,
        plugin: bool = True,
        supvisors_options: Mapping[str, OptionValue] | None = None,
        loglevel: str = "info",
        port_span: int = 2,
        rpc_timeout: float = DEFAULT_RPC_TIMEOUT,
        name: str = "cluster",
    ) -> None:
        self.root = root
        self.name = name
        self.plugin = plugin
        self.supvisors_options: dict[str, OptionValue] = dict(supvisors_options or {})
        self.loglevel = loglevel
        self.port_span = port_span
        self.rpc_timeout = rpc_timeout
        self.instances: dict[str, Instance] = {}
        self._ports: list[PortBlock] = []
        self._closed = False
        _LIVE.add(self)

    # ----- building
    def add(
        self,
        nick: str,
        *,
        http_port: int | None = None,
        internal_port: int | None = None,
        include: Iterable[str] = (),
        programs: Sequence[str] = (),
        extra: str = "",
        supvisors_options: Mapping[str, OptionValue] | None = None,
        env: Mapping[str, str] | None = None,
        plugin: bool | None = None,
        loglevel: str | None = None,
        listed: bool = True,
        host: str | None = None,
        netns: str | None = None,
    ) -> Instance:
        """Declare an instance; ports are reserved now unless given.

        ``programs`` are section texts (see ``programs.program_section``) joined to ``extra``.
        ``host`` replaces 127.0.0.1 in its identifier and HTTP address; ``netns`` runs it in
        that network namespace (``tests.harness.netns``).
        """
        if nick in self.instances:
            raise ValueError(f"instance {nick!r} already added")
        if http_port is None:
            block = reserve_ports(self.port_span)
            self._ports.append(block)
            http_port = block.base
        spec = InstanceSpec(
            nick=nick,
            http_port=http_port,
            internal_port=http_port + 1 if internal_port is None else internal_port,
            include=tuple(include),
            extra="\n".join([*programs, extra]),
            supvisors_options=dict(supvisors_options or {}),
            env=dict(env or {}),
            plugin=self.plugin if plugin is None else plugin,
            loglevel=loglevel or self.loglevel,
            listed=listed,
            **({"host": host} if host else {}),
        )
        instance = Instance(spec, self.root / nick, self.rpc_timeout, netns)
        self.instances[nick] = instance
        return instance

    def reconfigure(self, nick: str, **changes: Any) -> Instance:
        """Replace fields of an instance's spec; applied at its next ``start``/``restart``."""
        instance = self[nick]
        instance.spec = replace(instance.spec, **changes)
        return instance

    def __getitem__(self, nick: str) -> Instance:
        return self.instances[nick]

    def __iter__(self) -> Iterator[Instance]:
        return iter(self.instances.values())

    def supvisors_list(self) -> str:
        """The ``supvisors_list`` written in every configuration."""
        return supvisors_list(instance.spec for instance in self)

    def options_for(self, nick: str) -> dict[str, str]:
        """Final ``[rpcinterface:supvisors]`` options of an instance (besides the factory)."""
        spec = self[nick].spec
        return plugin_options(spec, self.supvisors_list(), self.supvisors_options)

    def write_configs(self, nicks: Iterable[str] | None = None) -> list[Path]:
        """Write the supervisord.conf of the given instances (default: all)."""
        return [self[nick].write_conf(self.options_for(nick)) for nick in self._nicks(nicks)]

    def _nicks(self, nicks: Iterable[str] | str | None) -> list[str]:
        if nicks is None:
            return list(self.instances)
        if isinstance(nicks, str):
            return [nicks]
        return list(nicks)

    # ----- starting and waiting
    def start(
        self,
        nicks: Iterable[str] | str | None = None,
        *,
        wait: bool = True,
        timeout: float = START_TIMEOUT,
    ) -> list[Instance]:
        """Write configs, launch supervisord for each instance (default: all), then wait
        (unless ``wait=False``) until each answers ``getState()`` with RUNNING."""
        __tracebackhide__ = True
        if self._closed:
            raise RuntimeError("cluster closed")
        started = [self[nick] for nick in self._nicks(nicks)]
        for instance in started:
            instance.write_conf(self.options_for(instance.nick))
            instance.launch()
        if wait:
            for instance in started:
                self.wait_http(instance, timeout)
        return started

    def wait_http(self, instance: Instance | str, timeout: float = START_TIMEOUT) -> dict[str, Any]:
        """Poll ``supervisor.getState()`` until RUNNING; fail at once if supervisord exits."""
        __tracebackhide__ = True
        inst = self[instance] if isinstance(instance, str) else instance

        def running() -> dict[str, Any] | None:
            if not inst.is_alive():
                raise WaitAborted(
                    f"supervisord {inst.nick} exited with {inst.returncode()}\n{inst.log_tail()}"
                )
            state = inst.rpc("supervisor", timeout=min(2.0, self.rpc_timeout)).getState()
            return state if state.get("statename") == "RUNNING" else None

        return self.wait_until(
            running, timeout, message=f"{inst.nick}: supervisord not RUNNING", nicks=[inst.nick]
        )

    def wait_until(
        self,
        predicate: Callable[[], T | None],
        timeout: float = DEFAULT_TIMEOUT,
        interval: float = DEFAULT_INTERVAL,
        message: str = "condition not met",
        nicks: Iterable[str] | None = None,
    ) -> T:
        """``waiting.wait_until`` whose failure message ends with the log tails of ``nicks``
        (default: every instance started at least once)."""
        __tracebackhide__ = True
        return wait_until(predicate, timeout, interval, message, lambda: self.dump(nicks))

    def wait_exit(self, nick: str, timeout: float = STOP_TIMEOUT) -> int:
        """Wait for supervisord to exit by itself and return its exit status."""
        code = self[nick].wait_exit(timeout)
        if code is None:
            raise AssertionError(f"{nick}: supervisord still running after {timeout} s")
        self[nick].reap()
        return code

    # ----- signals
    def kill(self, nick: str, sig: int = signal.SIGKILL, timeout: float = STOP_TIMEOUT) -> None:
        """Send ``sig`` to EVERY process of the instance's session (supervisord and programs).

        With SIGKILL (a host crash), wait until the session is empty and supervisord reaped.
        """
        instance = self[nick]
        instance.signal_session(sig)
        if sig != signal.SIGKILL:
            return
        survivors = instance.kill_all(timeout)
        if survivors:
            alive = sessions.describe(survivors)
            raise AssertionError(f"{nick}: still alive after SIGKILL:\n{alive}")

    def signal(self, nick: str, sig: int) -> None:
        """Send ``sig`` to supervisord only (SIGHUP: restart, SIGUSR2: reopen logs...)."""
        self[nick].send_signal(sig)

    def stop(self, nick: str, timeout: float = STOP_TIMEOUT) -> int | None:
        """Graceful stop: SIGTERM to supervisord (resumed if suspended), wait for its exit and
        its programs' end; past ``timeout``, SIGKILL the session. Return the exit status."""
        instance = self[nick]
        if not instance.is_alive():
            instance.kill_all()  # leftovers of a previous crash, if any
            return instance.returncode()
        instance.send_signal(signal.SIGTERM)
        instance.signal_session(signal.SIGCONT)  # a stopped process would never see SIGTERM
        code = instance.wait_exit(timeout)
        assert instance.pid is not None
        sessions.wait_session_empty(instance.pid, timeout if code is not None else 0)
        survivors = instance.kill_all()
        if survivors:
            raise AssertionError(f"{nick}: still alive after stop:\n{sessions.describe(survivors)}")
        return instance.returncode()

    def suspend(self, nick: str, timeout: float = STOP_TIMEOUT) -> None:
        """SIGSTOP every process of the session (a frozen host: connections hang), and wait
        until all of them are stopped."""
        self._signal_until(nick, signal.SIGSTOP, stopped=True, timeout=timeout)

    def resume(self, nick: str, timeout: float = STOP_TIMEOUT) -> None:
        """SIGCONT every process of the session, and wait until none is stopped."""
        self._signal_until(nick, signal.SIGCONT, stopped=False, timeout=timeout)

    def _signal_until(self, nick: str, sig: int, stopped: bool, timeout: float) -> None:
        instance = self[nick]

        def done() -> bool:
            # signal again at each poll: catches a child forked after the previous scan
            members = instance.signal_session(sig)
            return all(sessions.is_stopped(proc) == stopped for proc in members)

        self.wait_until(done, timeout, message=f"{nick}: signal {sig} not applied", nicks=[nick])

    def restart(self, nick: str, *, wait: bool = True, timeout: float = START_TIMEOUT) -> Instance:
        """Stop (gracefully) if running, then start again with the same ports."""
        self.stop(nick)
        return self.start([nick], wait=wait, timeout=timeout)[0]

    # ----- diagnostics
    def log_tail(self, nick: str, lines: int = 40) -> str:
        """Tail of an instance's supervisord log and stdout/stderr."""
        return self[nick].log_tail(lines)

    def dump(self, nicks: Iterable[str] | None = None, lines: int = 40) -> str:
        """Log tails of ``nicks`` (default: every instance started at least once)."""
        chosen = self._nicks(nicks) if nicks is not None else self._started()
        return "\n".join(self[nick].log_tail(lines) for nick in chosen)

    def _started(self) -> list[str]:
        return [nick for nick, instance in self.instances.items() if instance.sids]

    # ----- teardown
    def close(self) -> None:
        """Kill every session ever started, reap supervisord, release ports (idempotent).

        Raise AssertionError if a process survived, after cleaning up everything else.
        """
        if self._closed:
            return
        self._closed = True
        survivors = []
        for instance in self:
            survivors += instance.kill_all()
        for block in self._ports:
            block.release()
        _LIVE.discard(self)
        if survivors:
            raise AssertionError(f"processes survived teardown:\n{sessions.describe(survivors)}")

    def __enter__(self) -> Cluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
