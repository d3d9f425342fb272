"""Run Scenario 2 on 127.0.0.1: three servers and three consoles (docs/scenario2.md).

    python examples/scenario2/scenario2.py start [--items X] [--run-dir DIR]
    python examples/scenario2/scenario2.py status [--run-dir DIR]
    python examples/scenario2/scenario2.py stop [--run-dir DIR]
    python examples/scenario2/scenario2.py kill|restart NICK [--run-dir DIR]

`start` launches six `supervisord -n` (from the virtual environment of the Python running
this script) with `etc/supervisord_server.conf` / `etc/supervisord_console.conf`, waits until
the cluster is in OPERATION with the scen2_srv applications started, prints the
`application_info` table, and stays in the foreground: Ctrl-C (or `stop` from another shell)
shuts the whole cluster down. `kill NICK` SIGKILLs one instance and its programs (a host
crash), `restart NICK` starts it again. Logs go to `<run dir>/<nick>/` (default run dir:
`examples/scenario2/run/`): `supervisord.log` (supervisord and the plugin), `supervisord.out`
(stdout/stderr), `childlog/` (the programs).

HTTP ports: 61000/61010/61020 (servers), 62000/62010/62020 (consoles); each instance's
internal bus port is its HTTP port + 1. The data buses of the stand-in programs use ports
63000-63599 (`SCEN2_BUS_PORT_BASE` moves them). With `--items X` other than 3, the program
files are bred from `template_etc/` into `<run dir>/etc/` with `supvisors_breed`.

Tests import this module and use `Layout`, `prepare` and `instance_env` with their own ports
and run folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXAMPLE_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = EXAMPLE_DIR / "template_etc"
SERVERS = ("server_1", "server_2", "server_3")
CONSOLES = ("console_1", "console_2", "console_3")
NICKS = SERVERS + CONSOLES
DEFAULT_HTTP_PORTS: Mapping[str, int] = {
    **{nick: 61000 + 10 * index for index, nick in enumerate(SERVERS)},
    **{nick: 62000 + 10 * index for index, nick in enumerate(CONSOLES)},
}
DEFAULT_RUN_DIR = EXAMPLE_DIR / "run"
DEFAULT_ITEMS = 3
BUS_PORT_BASE_ENV = "SCEN2_BUS_PORT_BASE"
DEFAULT_BUS_PORT_BASE = 63000
DEFAULT_BUS_PORT_STRIDE = 100
STATE_FILE = "scenario2.json"
LAYOUT_FIELDS = (
    "items",
    "http_ports",
    "bus_port_base",
    "bus_port_stride",
    "core_identifiers",
    "synchro_options",
    "synchro_timeout",
    "python",
)
START_TIMEOUT = 60.0
STOP_TIMEOUT = 40.0
RPC_TIMEOUT = 5.0
POLL = 0.2


def default_bus_port_base() -> int:
    """`SCEN2_BUS_PORT_BASE` from the environment, else 63000."""
    value = os.environ.get(BUS_PORT_BASE_ENV, "").strip()
    return int(value) if value else DEFAULT_BUS_PORT_BASE


@dataclass(frozen=True)
class Layout:
    """Where the six instances listen and write, and what each supervisord is told."""

    run_dir: Path = DEFAULT_RUN_DIR
    items: int = DEFAULT_ITEMS
    http_ports: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_HTTP_PORTS))
    bus_port_base: int = field(default_factory=default_bus_port_base)
    bus_port_stride: int = DEFAULT_BUS_PORT_STRIDE
    core_identifiers: str = ",".join(SERVERS)
    synchro_options: str = "STRICT,TIMEOUT,CORE"
    synchro_timeout: int = 15
    python: str = sys.executable

    @property
    def etc_dir(self) -> Path:
        """The committed `etc/` for the default item count, else a bred copy in the run dir."""
        return EXAMPLE_DIR / "etc" if self.items == DEFAULT_ITEMS else self.run_dir / "etc"

    @property
    def faults_path(self) -> Path:
        """The fault injection file read by the stand-in programs (bin/scen2_lib.py)."""
        return self.run_dir / "faults"

    def conf_path(self, nick: str) -> Path:
        kind = "server" if nick in SERVERS else "console"
        return self.etc_dir / f"supervisord_{kind}.conf"

    def folder(self, nick: str) -> Path:
        """Logs and pid file of one instance."""
        return self.run_dir / nick

    def url(self, nick: str) -> str:
        return f"http://127.0.0.1:{self.http_ports[nick]}"

    def identifier(self, nick: str) -> str:
        return f"127.0.0.1:{self.http_ports[nick]}"


def instance_env(layout: Layout, nick: str) -> dict[str, str]:
    """The SCEN2_* variables expanded by the configuration files and read by the programs."""
    env = {f"SCEN2_{name.upper()}_PORT": str(port) for name, port in layout.http_ports.items()}
    env.update(
        SCEN2_NICK=nick,
        SCEN2_HTTP_PORT=str(layout.http_ports[nick]),
        SCEN2_RUN_DIR=str(layout.run_dir),
        SCEN2_CORE_IDENTIFIERS=layout.core_identifiers,
        SCEN2_SYNCHRO_OPTIONS=layout.synchro_options,
        SCEN2_SYNCHRO_TIMEOUT=str(layout.synchro_timeout),
        SCEN2_PYTHON=layout.python,
        SCEN2_BIN=str(EXAMPLE_DIR / "bin"),
        SCEN2_INSTANCE_INDEX=str(NICKS.index(nick)),
        SCEN2_BUS_PORT_BASE=str(layout.bus_port_base),
        SCEN2_BUS_PORT_STRIDE=str(layout.bus_port_stride),
        SCEN2_FAULTS=str(layout.faults_path),
    )
    return env


def breed(layout: Layout) -> None:
    """Write `<run dir>/etc/` for `layout.items` items: supvisors_breed + the two confs + rules."""
    from supvisors_ext.breed import main as supvisors_breed

    etc = layout.etc_dir
    shutil.rmtree(etc, ignore_errors=True)
    count = layout.items
    argv = ["-t", str(TEMPLATE_DIR), "-d", str(etc), "-x"]
    argv += ["-b", f"scen2_srv={count}", f"scen2_hci={count}"]
    if supvisors_breed(argv) != 0:
        raise RuntimeError(f"supvisors_breed {' '.join(argv)} failed")
    for name in ("supervisord_server.conf", "supervisord_console.conf", "supvisors_rules.xml"):
        shutil.copy2(EXAMPLE_DIR / "etc" / name, etc / name)


def prepare(layout: Layout) -> None:
    """Create the run folders (and breed the program files when items != 3)."""
    if not 1 <= layout.items < layout.bus_port_stride:
        raise ValueError(f"items must be in [1, {layout.bus_port_stride - 1}]")
    for nick in NICKS:
        (layout.folder(nick) / "childlog").mkdir(parents=True, exist_ok=True)
    if layout.items != DEFAULT_ITEMS:
        breed(layout)


def supervisord_argv(layout: Layout, nick: str) -> list[str]:
    """`supervisord -n -c <conf>` from the virtual environment of this Python."""
    script = Path(sys.executable).parent / "supervisord"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "supervisor.supervisord"]
    return [*command, "-n", "-c", str(layout.conf_path(nick))]


def launch(layout: Layout, nick: str) -> subprocess.Popen[bytes]:
    """Start one supervisord in its own session, stdout and stderr to `supervisord.out`."""
    folder = layout.folder(nick)
    with (folder / "supervisord.out").open("ab") as output:
        return subprocess.Popen(
            supervisord_argv(layout, nick),
            cwd=folder,
            env={**os.environ, **instance_env(layout, nick)},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def proxy(url: str) -> xmlrpc.client.ServerProxy:
    """An XML-RPC proxy whose calls time out."""

    class Transport(xmlrpc.client.Transport):
        def make_connection(self, host: Any) -> Any:
            connection = super().make_connection(host)
            connection.timeout = RPC_TIMEOUT
            return connection

    return xmlrpc.client.ServerProxy(url + "/RPC2", transport=Transport())


def supvisors_state(url: str) -> dict[str, Any] | None:
    """`get_supvisors_state()`, or None while the instance does not answer."""
    try:
        with proxy(url) as server:
            return server.supvisors.get_supvisors_state()
    except (OSError, xmlrpc.client.Error):
        return None


def cluster_ready(urls: Sequence[str], jobs_done: bool) -> bool:
    """Every instance in OPERATION with one Master (and, if asked, no job in progress)."""
    states = [supvisors_state(url) for url in urls]
    if any(state is None or state["fsm_statename"] != "OPERATION" for state in states):
        return False
    if len({state["master_identifier"] for state in states if state}) != 1:
        return False
    busy = any(state and (state["starting_jobs"] or state["stopping_jobs"]) for state in states)
    return not (jobs_done and busy)


def wait_for(predicate: Callable[[], bool], timeout: float, alive: Callable[[], None]) -> None:
    """Poll `predicate` until true; `alive` raises if a supervisord has died meanwhile."""
    deadline = time.monotonic() + timeout
    while not predicate():
        alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"not reached within {timeout:g} s")
        time.sleep(POLL)


def application_table(infos: Sequence[Mapping[str, Any]]) -> str:
    """The `application_info` table of cli.md §2.2 (Application, State, Major, Minor)."""
    rows = [("Application", "State", "Major", "Minor")]
    for info in sorted(infos, key=lambda info: info["application_name"]):
        flags = (str(bool(info["major_failure"])), str(bool(info["minor_failure"])))
        rows.append((info["application_name"], info["statename"], *flags))
    width = max(len(row[0]) for row in rows) + 2
    lines = [f"{row[0]:<{width}}{row[1]:<10}{row[2]:<7}{row[3]}".rstrip() for row in rows]
    return "\n".join(lines)


def print_status(layout: Layout, nicks: Sequence[str] = NICKS) -> int:
    """Print each instance's state, then the application table from the first that answers."""
    answering = None
    for nick in nicks:
        state = supvisors_state(layout.url(nick))
        text = "not answering" if state is None else state["fsm_statename"]
        print(f"{nick:<11}{layout.url(nick):<24}{text}")
        answering = answering or (layout.url(nick) if state else None)
    if answering is None:
        return 1
    try:
        with proxy(answering) as server:
            print()
            print(application_table(server.supvisors.get_all_applications_info()))
    except xmlrpc.client.Fault as fault:
        print(f"application_info: ERROR ({fault.faultString})")
        return 1
    return 0


# ----- the running cluster: a state file in the run dir lets `status` and `stop` find it
def save_state(layout: Layout, pids: Mapping[str, int]) -> None:
    state = {name: getattr(layout, name) for name in LAYOUT_FIELDS}
    state.update(run_dir=str(layout.run_dir), pids=dict(pids))
    (layout.run_dir / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")


def load_state(run_dir: Path) -> tuple[Layout, dict[str, int]]:
    """The layout and the supervisord pids of the cluster started in `run_dir`."""
    path = run_dir / STATE_FILE
    if not path.exists():
        raise FileNotFoundError(f"no Scenario 2 cluster started in {run_dir}")
    state = json.loads(path.read_text())
    layout = Layout(run_dir=run_dir, **{name: state[name] for name in LAYOUT_FIELDS})
    return layout, {nick: int(pid) for nick, pid in state["pids"].items()}


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_sessions(pids: Sequence[int]) -> None:
    """Last resort: SIGKILL every process of the supervisord sessions (programs included)."""
    import psutil  # a dependency of supvisors_ext

    for proc in psutil.process_iter():
        try:
            if os.getsid(proc.pid) in pids:
                proc.kill()
        except (OSError, psutil.Error):
            continue


def shutdown(layout: Layout, pids: Mapping[str, int], reap: Callable[[], None]) -> None:
    """Cluster-wide `supvisors.shutdown()`, then SIGTERM, then SIGKILL whatever is left."""

    def gone() -> bool:
        reap()
        return not any(pid_alive(pid) for pid in pids.values())

    for nick in pids:
        try:
            with proxy(layout.url(nick)) as server:
                server.supvisors.shutdown()
            print(f"cluster shutdown requested to {nick}")
            break
        except (OSError, xmlrpc.client.Error):
            continue
    for signum, timeout in ((None, STOP_TIMEOUT / 2), (signal.SIGTERM, STOP_TIMEOUT / 2)):
        if signum is not None:
            for pid in pids.values():
                if pid_alive(pid):
                    os.kill(pid, signum)
        try:
            wait_for(gone, timeout, lambda: None)
            break
        except TimeoutError:
            continue
    kill_sessions(list(pids.values()))
    reap()


def start(layout: Layout) -> int:
    """Start the six instances, wait for OPERATION, print the table, stay until stopped."""
    try:
        _, pids = load_state(layout.run_dir)
    except (FileNotFoundError, KeyError, ValueError):
        pids = {}
    if any(pid_alive(pid) for pid in pids.values()):
        print(f"Error: a cluster already runs from {layout.run_dir} (use stop)", file=sys.stderr)
        return 1
    prepare(layout)
    begin = time.monotonic()
    popens = {nick: launch(layout, nick) for nick in NICKS}
    save_state(layout, {nick: popen.pid for nick, popen in popens.items()})
    print(f"6 supervisord started, logs in {layout.run_dir}/<nick>/")

    def on_sigterm(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, on_sigterm)  # even if started with SIGINT ignored (`&`)
    status = 0
    try:
        wait_ready(layout, popens, begin)
        print("\nCtrl-C or `scenario2.py stop` stops the cluster")
        while any(pid_alive(pid) for pid in current_pids(layout, popens).values()):
            time.sleep(0.5)
        print("every supervisord has exited")
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # a failed start, or a bug here: never leave the cluster behind
        print(f"Error: {exc}", file=sys.stderr)
        status = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not orphan it
        pids = current_pids(layout, popens)
        if any(pid_alive(pid) for pid in pids.values()):
            print("stopping the cluster...")
            shutdown(layout, pids, lambda: _reap(popens))
            print("cluster stopped")
        (layout.run_dir / STATE_FILE).unlink(missing_ok=True)
    return status


def _reap(popens: Mapping[str, subprocess.Popen[bytes]]) -> None:
    for popen in popens.values():
        popen.poll()


def current_pids(layout: Layout, popens: Mapping[str, subprocess.Popen[bytes]]) -> dict[str, int]:
    """The supervisord pids, `restart` included; our own dead children are reaped first."""
    _reap(popens)
    try:
        return load_state(layout.run_dir)[1]
    except (FileNotFoundError, ValueError, KeyError):
        return {nick: popen.pid for nick, popen in popens.items()}


def wait_ready(layout: Layout, popens: Mapping[str, subprocess.Popen[bytes]], begin: float) -> None:
    """Wait for OPERATION, then for the automatic start to end; print the timings and table."""
    urls = [layout.url(nick) for nick in NICKS]

    def alive() -> None:
        for nick, popen in popens.items():
            if popen.poll() is not None:
                out = layout.folder(nick) / "supervisord.out"
                tail = out.read_text(errors="replace")[-2000:] if out.exists() else ""
                raise RuntimeError(f"supervisord {nick} exited ({popen.returncode}):\n{tail}")

    wait_for(lambda: cluster_ready(urls, jobs_done=False), START_TIMEOUT, alive)
    print(f"cluster in OPERATION after {time.monotonic() - begin:.1f} s")
    wait_for(lambda: cluster_ready(urls, jobs_done=True), START_TIMEOUT, alive)
    print(f"automatic start done after {time.monotonic() - begin:.1f} s\n")
    print_status(layout)


def stop(run_dir: Path) -> int:
    """Shut down the cluster started from `run_dir` (by another `start`)."""
    layout, pids = load_state(run_dir)
    shutdown(layout, pids, lambda: None)
    if any(pid_alive(pid) for pid in pids.values()):
        print("Error: some supervisord still run", file=sys.stderr)
        return 1
    print("cluster stopped")
    return 0


def status(run_dir: Path) -> int:
    """Print the instances' states and the application table."""
    layout, _ = load_state(run_dir)
    return print_status(layout)


def kill(run_dir: Path, nick: str) -> int:
    """SIGKILL one instance and every program it runs (a host crash)."""
    _, pids = load_state(run_dir)
    kill_sessions([pids[nick]])
    print(f"{nick}: supervisord {pids[nick]} and its programs killed")
    return 0


def restart(run_dir: Path, nick: str) -> int:
    """Start again one instance that was killed or stopped."""
    layout, pids = load_state(run_dir)
    if pid_alive(pids[nick]):
        print(f"Error: {nick} is running (pid {pids[nick]})", file=sys.stderr)
        return 1
    pids[nick] = launch(layout, nick).pid
    save_state(layout, pids)
    print(f"{nick}: supervisord started again (pid {pids[nick]})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "status", "stop", "kill", "restart"))
    parser.add_argument("nick", nargs="?", choices=NICKS, help="for kill and restart")
    parser.add_argument("--items", type=int, default=DEFAULT_ITEMS, help="X (default 3)")
    parser.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR, help="logs and state")
    args = parser.parse_args(argv)
    run_dir = args.run_dir.resolve()
    if (args.nick is None) == (args.command in ("kill", "restart")):
        parser.error("kill and restart take one nick, the other commands none")
    if args.command == "start":
        if not 1 <= args.items < DEFAULT_BUS_PORT_STRIDE:
            parser.error(f"--items must be in [1, {DEFAULT_BUS_PORT_STRIDE - 1}]")
        return start(Layout(run_dir=run_dir, items=args.items))
    commands = {"stop": stop, "status": status, "kill": kill, "restart": restart}
    try:
        return commands[args.command](run_dir, *([args.nick] if args.nick else []))
    except FileNotFoundError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
