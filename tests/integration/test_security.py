"""Security on real instances (issue 9): CURVE bus, refused keys, plain warning, credentials."""

from __future__ import annotations

import shutil
import xmlrpc.client
from pathlib import Path
from typing import Any

import pytest

from supvisors_ext.net.keypairs import create_key_pair
from tests.harness import Cluster, Instance, make_proxy, program_section
from tests.integration.cluster_helpers import FAST, safe_state, wait_operation

pytestmark = pytest.mark.integration

PLAIN_WARNING = "the bus is plain (neither authenticated nor encrypted)"


def make_keys(root: Path, nicks: list[str]) -> Path:
    """Key pairs of `nicks` in `root/secrets`."""
    secrets = root / "secrets"
    secrets.mkdir(parents=True)
    for nick in nicks:
        create_key_pair(str(secrets), nick)
    return secrets


def public_dir(root: Path, name: str, secrets: Path, nicks: list[str]) -> Path:
    folder = root / name
    folder.mkdir()
    for nick in nicks:
        shutil.copy(secrets / f"{nick}.key", folder / f"{nick}.key")
    return folder


def key_options(secrets: Path, nick: str, public: Path) -> dict[str, str]:
    return {
        "bus_secret_key_file": str(secrets / f"{nick}.key_secret"),
        "bus_public_keys_dir": str(public),
    }


def log_text(instance: Instance) -> str:
    try:
        return instance.log_path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def statename(instance: Instance, of: Instance) -> str | None:
    try:
        return instance.supvisors.get_instance_info(of.identifier)[0]["statename"]
    except (OSError, xmlrpc.client.Error):
        return None


def test_secured_cluster_reaches_operation(make_cluster: Any, tmp_path: Path) -> None:
    nicks = ["a", "b", "c"]
    secrets = make_keys(tmp_path / "keys", nicks)
    public = public_dir(tmp_path / "keys", "public", secrets, nicks)
    cluster = make_cluster(supvisors_options={**FAST, "synchro_options": "STRICT"})
    for nick in nicks:
        cluster.add(
            nick,
            programs=[program_section(f"prog_{nick}")],
            supvisors_options=key_options(secrets, nick, public),
        )
    cluster.start()
    wait_operation(cluster, nicks)
    # processes travel over the encrypted bus
    cluster.wait_until(
        lambda: (
            {p["application_name"] for p in cluster["a"].supvisors.get_all_process_info()}
            >= {"prog_a", "prog_b", "prog_c"}
        ),
        message="a does not see every program",
    )
    for instance in cluster:
        text = log_text(instance)
        assert PLAIN_WARNING not in text
        assert "refused" not in text


def test_instance_with_an_unlisted_key_stays_out(make_cluster: Any, tmp_path: Path) -> None:
    secrets = make_keys(tmp_path / "keys", ["a", "b", "c"])
    trusted = public_dir(tmp_path / "keys", "ab", secrets, ["a", "b"])  # c's key is not listed
    everything = public_dir(tmp_path / "keys", "abc", secrets, ["a", "b", "c"])
    cluster = make_cluster(
        supvisors_options={**FAST, "core_identifiers": "a,b", "synchro_options": "CORE"}
    )
    cluster.add("a", supvisors_options=key_options(secrets, "a", trusted))
    cluster.add("b", supvisors_options=key_options(secrets, "b", trusted))
    cluster.add(
        "c",
        programs=[program_section("rogue_prog")],
        supvisors_options=key_options(secrets, "c", everything),
    )
    cluster.start()
    a, b, c = cluster["a"], cluster["b"], cluster["c"]
    wait_operation(cluster, ["a", "b"])
    # both refusals are in a's log: c's subscription (ZAP) and c's bus, never subscribed
    cluster.wait_until(
        lambda: "unknown CURVE key" in log_text(a) and "unknown CURVE key" in log_text(b),
        message="the refusal of c's key is not logged",
    )
    text = log_text(a)
    assert f"no c.key in {trusted}: {c.identifier} cannot join this instance's bus" in text
    assert f"no public key for {c.identifier}" in text
    # c hears that a refused its key, naming a's bus address
    cluster.wait_until(
        lambda: f"bus peer tcp://127.0.0.1:{a.internal_port} refused" in log_text(c),
        message="c does not report the refusal",
    )
    # c stays out: a and b never see it, nor its program, and c never sees them
    wait_operation(cluster, ["a", "b"])
    for observer in (a, b):
        assert statename(observer, c) in ("UNKNOWN", "STOPPED")
        names = {p["application_name"] for p in observer.supvisors.get_all_process_info()}
        assert "rogue_prog" not in names
    assert statename(c, a) in ("UNKNOWN", "STOPPED")
    refusals = [line for line in log_text(a).splitlines() if "unknown CURVE key" in line]
    assert len(refusals) == 1  # retried many times, logged once per minute


def test_plain_cluster_logs_the_warning(make_cluster: Any) -> None:
    cluster = make_cluster(supvisors_options=FAST)
    instance = cluster.add("solo")
    cluster.start()
    cluster.wait_until(lambda: PLAIN_WARNING in log_text(instance), message="no plain warning")


def with_credentials(cluster: Cluster, nick: str, username: str, password: str, root: Path) -> None:
    """Add username/password to the instance's [inet_http_server] (an included file: supervisor
    merges sections) and to the test's own client."""
    include = root / f"{nick}-http.ini"
    include.write_text(f"[inet_http_server]\nusername = {username}\npassword = {password}\n")
    instance = cluster.reconfigure(nick, include=(*cluster[nick].spec.include, str(include)))
    base = f"http://{username}:{password}@127.0.0.1:{instance.http_port}"

    def proxy(timeout: float | None = None) -> xmlrpc.client.ServerProxy:
        return make_proxy(base, instance.rpc_timeout if timeout is None else timeout)

    instance.proxy = proxy  # type: ignore[method-assign]


def test_credentials_are_used_and_a_wrong_pair_is_reported(
    make_cluster: Any, tmp_path: Path
) -> None:
    cluster: Cluster = make_cluster(
        supvisors_options={**FAST, "core_identifiers": "a,b", "synchro_options": "CORE"}
    )
    for nick in ("a", "b", "c"):
        cluster.add(nick, programs=[program_section(f"prog_{nick}")])
    with_credentials(cluster, "a", "admin", "s3cret", tmp_path)
    with_credentials(cluster, "b", "admin", "s3cret", tmp_path)
    with_credentials(cluster, "c", "admin", "wrong", tmp_path)
    cluster.start()
    a, c = cluster["a"], cluster["c"]
    wait_operation(cluster, ["a", "b"])
    assert "prog_b" in {p["application_name"] for p in a.supvisors.get_all_process_info()}
    # a calls c with the shared pair and c answers 401; c gets 401 from a and b
    cluster.wait_until(
        lambda: f"{c.identifier} refused our credentials (HTTP 401)" in log_text(a),
        message="a does not report c's 401",
    )
    cluster.wait_until(
        lambda: f"{a.identifier} refused our credentials (HTTP 401)" in log_text(c),
        message="c does not report a's 401",
    )
    assert statename(a, c) != "RUNNING"
    # the 401 is visible in the instance info too (docs/api.md `http_auth_refused`)
    assert a.supvisors.get_instance_info(c.identifier)[0]["http_auth_refused"] is True
    assert a.supvisors.get_instance_info(cluster["b"].identifier)[0]["http_auth_refused"] is False
    state = safe_state(c)
    assert state is not None and state["fsm_statename"] != "OPERATION"
    for instance in cluster:
        assert "s3cret" not in log_text(instance) and "wrong" not in log_text(instance)
    lines = [line for line in log_text(a).splitlines() if "refused our credentials" in line]
    assert len(lines) == 1  # a handshake is retried at every tick, reported once per minute


def test_bad_key_file_stops_supervisord_with_exit_2(make_cluster: Any, tmp_path: Path) -> None:
    secrets = make_keys(tmp_path / "keys", ["a"])
    public = public_dir(tmp_path / "keys", "public", secrets, ["a"])
    broken = public / "b.key"
    broken.write_text('curve\n    public-key = "not a key"\n')
    cluster = make_cluster()
    instance = cluster.add("a", supvisors_options=key_options(secrets, "a", public))
    cluster.start(wait=False)
    assert cluster.wait_exit("a", timeout=15) == 2
    output = instance.output_path.read_text()
    assert (
        f"Error: [rpcinterface:supvisors] bus_public_keys_dir: {broken}: public-key is not a"
        " 40-character Z85 CURVE key"
    ) in output
