"""The Scenario 2 example (examples/scenario2) run by the harness, with dynamic ports.

The instances use the example's own files: `etc/supervisord_server.conf` and
`etc/supervisord_console.conf`, the program files bred from `template_etc/`, the stand-ins
of `bin/` and the rules file. The launcher module (`scenario2.py`) gives the layout and the
environment of each supervisord; the harness `Cluster` launches, kills and cleans up.
"""

from __future__ import annotations

import importlib.util
import sys
import xmlrpc.client
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.harness import Cluster, Instance, PortBlock, reserve_ports
from tests.integration.cluster_helpers import wait_operation

EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "examples" / "scenario2"


def _load_launcher() -> ModuleType:
    name = "scenario2_launcher"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, EXAMPLE_DIR / "scenario2.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


launcher = _load_launcher()
SERVERS: tuple[str, ...] = launcher.SERVERS
CONSOLES: tuple[str, ...] = launcher.CONSOLES
NICKS: tuple[str, ...] = launcher.NICKS


class ExampleInstance(Instance):
    """An instance whose configuration is the example's file, not one the harness writes."""

    def __init__(self, base: Instance, folder: Path, conf: Path, env: dict[str, str]) -> None:
        super().__init__(replace(base.spec, env=env), folder, base.rpc_timeout)
        self._conf = conf

    @property
    def conf_path(self) -> Path:
        return self._conf

    def write_conf(self, options: Any) -> Path:
        return self._conf


class Example:
    """A Scenario 2 cluster built from the example: the harness cluster plus its layout."""

    def __init__(self, root: Path, items: int = 3, **layout_options: Any) -> None:
        self.cluster = Cluster(root / "cluster", name="scenario2")
        self.bus_ports: PortBlock | None = None
        self.boot: dict[str, Any] = {}  # observations recorded right after boot, if any
        try:
            for nick in NICKS:
                self.cluster.add(nick)  # reserves the HTTP and internal bus ports
            stride = items + 1
            self.bus_ports = reserve_ports(len(NICKS) * stride)
            self.layout = launcher.Layout(
                run_dir=root / "run",
                items=items,
                http_ports={inst.nick: inst.http_port for inst in self.cluster},
                bus_port_base=self.bus_ports.base,
                bus_port_stride=stride,
                python=sys.executable,
                **layout_options,
            )
            launcher.prepare(self.layout)
            for nick in NICKS:
                env = launcher.instance_env(self.layout, nick)
                folder, conf = self.layout.folder(nick), self.layout.conf_path(nick)
                self.cluster.instances[nick] = ExampleInstance(self[nick], folder, conf, env)
        except BaseException:
            self.close()
            raise

    def __getitem__(self, nick: str) -> Instance:
        return self.cluster[nick]

    def __iter__(self) -> Iterator[Instance]:
        return iter(self.cluster)

    def start(self, nicks: Iterable[str] = NICKS) -> None:
        self.cluster.start(list(nicks))

    def close(self) -> None:
        try:
            self.cluster.close()
        finally:
            if self.bus_ports is not None:
                self.bus_ports.release()

    def slow(self, nick: str, timeout: float = 90) -> Any:
        """The `supvisors` namespace of an instance, for calls that wait (start, stop)."""
        return self[nick].rpc("supvisors", timeout=timeout)

    def nick_of(self, identifier: str) -> str:
        return next(inst.nick for inst in self if inst.identifier == identifier)

    def set_faults(self, *namespecs: str) -> None:
        """Programs matching these namespecs exit 1 at once from their next start."""
        self.layout.faults_path.write_text("".join(f"{spec}\n" for spec in namespecs))

    # ----- observations
    def where(self, application: str, nick: str = "console_1") -> set[str]:
        """Identifiers of the instances where a process of the application runs."""
        infos = self[nick].supvisors.get_process_info(f"{application}:*")
        return {identifier for info in infos for identifier in info["identifiers"]}

    def app(self, application: str, nick: str = "console_1") -> dict[str, Any]:
        return self[nick].supvisors.get_application_info(application)

    def status(self, application: str, nick: str = "console_1") -> tuple[str, bool, bool]:
        """(statename, major_failure, minor_failure) of the application."""
        info = self.app(application, nick)
        return info["statename"], info["major_failure"], info["minor_failure"]

    def loading(self, nick: str, asked: str = "console_1") -> int:
        return self[asked].supvisors.get_instance_info(nick)[0]["loading"]

    def wait_ready(self, nicks: Iterable[str] = NICKS, timeout: float = 60) -> None:
        """OPERATION everywhere with one Master, and no job in progress anywhere."""
        nicks = list(nicks)
        wait_operation(self.cluster, nicks, timeout)

        def idle() -> bool:
            states = [self[nick].supvisors.get_supvisors_state() for nick in nicks]
            return all(
                s["fsm_statename"] == "OPERATION" and not s["starting_jobs"] + s["stopping_jobs"]
                for s in states
            )

        self.cluster.wait_until(idle, timeout=timeout, message="jobs still in progress")

    def wait_status(
        self, application: str, expected: tuple[str, bool, bool], timeout: float = 20
    ) -> None:
        self.cluster.wait_until(
            lambda: self.status(application) == expected,
            timeout=timeout,
            message=f"{application} never reached {expected}",
        )


def fault_code(call: Any, *args: Any) -> int | None:
    """The fault code raised by `call(*args)`, or None if it returned."""
    try:
        call(*args)
    except xmlrpc.client.Fault as fault:
        return fault.faultCode
    return None


def local_infos(instance: Instance, application: str) -> dict[str, dict[str, Any]]:
    """get_local_process_info of every process of the application on one instance."""
    rules = instance.supvisors.get_process_rules(f"{application}:*")
    return {
        rule["process_name"]: instance.supvisors.get_local_process_info(
            f"{application}:{rule['process_name']}"
        )
        for rule in rules
    }


def assert_stage_order(instance: Instance, application: str) -> None:
    """Req 4 (and 17): each stage starts after the previous one is RUNNING or has exited."""
    rules = {r["process_name"]: r for r in instance.supvisors.get_process_rules(f"{application}:*")}
    infos = local_infos(instance, application)
    bus = infos["scen2_internal_data_bus"]
    check = infos["scen2_check_internal_data_bus"]
    assert check["start_monotonic"] >= bus["start_monotonic"] + bus["startsecs"]
    for name, rule in rules.items():
        if rule["start_sequence"] >= 3:
            assert infos[name]["start_monotonic"] >= check["stop_monotonic"], name
    if "scen2_common_bus_interface" in infos:
        common_check = infos["scen2_check_common_data_bus"]
        interface = infos["scen2_common_bus_interface"]
        assert interface["start_monotonic"] >= common_check["stop_monotonic"]
