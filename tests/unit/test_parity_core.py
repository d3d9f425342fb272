"""Pure parts of the Supvisors parity work: start predictions, extra args reuse, disabled
programs in placement (docs/api.md)."""

from __future__ import annotations

import dataclasses

from supvisors_ext.jobs.control import Jobs
from supvisors_ext.jobs.start import StartCommand, last_extra_args
from supvisors_ext.model import StartingStrategies
from supvisors_ext.rpc.predictions import StartPredictor
from tests.unit.jobkit import BUS, SERVERS, Cluster, P, scenario2

S = StartingStrategies
SRV = "scen2_srv_01"


def predictor(cluster: Cluster, jobs: Jobs) -> StartPredictor:
    return StartPredictor(cluster.context, jobs, cluster.id("server_1"))


def test_prediction_places_the_staged_processes_and_starts_nothing() -> None:
    cluster = scenario2()
    jobs = Jobs(cluster.context, 1.0)
    application = cluster.context.applications[SRV]
    result = predictor(cluster, jobs).predict_application(application, S.CONFIG)
    staged = sorted(r.name for r in application.processes.values() if r.rules.start_sequence > 0)
    assert [entry["process_name"] for entry in result] == staged
    # SINGLE_INSTANCE application: everything on one instance
    assert {tuple(entry["running_identifiers"]) for entry in result} == {(cluster.id("server_1"),)}
    assert all(entry["forced_reason"] == "" for entry in result)
    assert {entry["state"] for entry in result} <= {"RUNNING", "EXITED"}
    assert jobs.start_jobs == {} and jobs.assignments == {}
    assert all(not r.view().running_identifiers for r in application.processes.values())


def test_prediction_without_resource_says_why() -> None:
    cluster = scenario2(servers=("server_1",), consoles=())
    for index in (1, 2, 3):
        for record in cluster.context.applications[f"scen2_srv_0{index}"].processes.values():
            cluster.report("server_1", record.group, record.name, P.STOPPED, 0.0)
    jobs = Jobs(cluster.context, 1.0)
    # fill server_1 beyond what one more scen2_srv needs
    for name in ("scen2_srv_02", "scen2_srv_03"):
        for record in cluster.context.applications[name].processes.values():
            cluster.run("server_1", name, record.name, 0.0)
    application = cluster.context.applications[SRV]
    result = predictor(cluster, jobs).predict_application(application, S.CONFIG)
    failed = [entry for entry in result if entry["state"] == "FATAL"]
    assert failed and {entry["forced_reason"] for entry in failed} == {"No resource available"}
    assert all(entry["running_identifiers"] == [] for entry in result)
    # the stages after a failed one (ABORT) are not started either
    assert {entry["state"] for entry in result} <= {"FATAL", "STOPPED"}


def test_last_extra_args_follow_the_latest_start_on_any_instance() -> None:
    cluster = scenario2()
    record = cluster.context.applications[SRV].processes[BUS]
    assert last_extra_args(record) == ""
    for nick, args, start in (("server_1", "-a", 10), ("server_2", "-b", 20), ("server_3", "", 0)):
        info = dataclasses.replace(
            cluster.report(nick, SRV, BUS, P.STOPPED, 0.0), extra_args=args, start=start
        )
        cluster.context.update_process(cluster.id(nick), info, 1.0)
    assert last_extra_args(record) == "-b"


def test_repair_jobs_reuse_the_extra_args_of_the_last_start() -> None:
    cluster = scenario2()
    record = cluster.context.applications[SRV].processes[BUS]
    info = dataclasses.replace(
        cluster.report("server_2", SRV, BUS, P.FATAL, 0.0), extra_args="-x 1", start=5
    )
    cluster.context.update_process(cluster.id("server_2"), info, 1.0)
    jobs = Jobs(cluster.context, 1.0)
    application = cluster.context.applications[SRV]
    _, commands = jobs.start_processes(
        application, [record], S.CONFIG, cluster.id("server_1"), 2.0, reuse_extra_args=True
    )
    assert commands == [StartCommand(cluster.id("server_1"), f"{SRV}:{BUS}", "-x 1")]
    _, commands = Jobs(cluster.context, 1.0).start_processes(
        application, [record], S.CONFIG, cluster.id("server_1"), 2.0, "-given"
    )
    assert commands == [StartCommand(cluster.id("server_1"), f"{SRV}:{BUS}", "-given")]


def test_disabled_process_is_never_placed_there() -> None:
    cluster = scenario2()
    record = cluster.context.applications[SRV].processes[BUS]
    for nick in SERVERS[:2]:
        info = dataclasses.replace(cluster.report(nick, SRV, BUS, P.STOPPED, 0.0), disabled=True)
        cluster.context.update_process(cluster.id(nick), info, 1.0)
    jobs = Jobs(cluster.context, 1.0)
    application = cluster.context.applications[SRV]
    [entry] = predictor(cluster, jobs).predict_processes(application, [record], S.CONFIG)
    assert entry["running_identifiers"] == [cluster.id("server_3")]
