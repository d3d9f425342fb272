"""Issue 14's failing sequences replayed on the repair handler and the real driver, with
doubles for supervisord and the peers (tests/component/repairkit.py): deterministic."""

from __future__ import annotations

import pytest

from supvisors_ext.cluster.membership import lose_processes
from supvisors_ext.model import InstanceStates
from supvisors_ext.runtime.repair import Role
from tests.component.repairkit import Fixture
from tests.unit.jobkit import BUS, INTERFACE, STAGE3, P

HCI, SRV = "scen2_hci_02", "scen2_srv_03"
STAGES_1_TO_3 = (BUS, *STAGE3)


def test_req_25_crash_after_the_start_job_ended_stops_the_application(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """console_3 ran start_application('LOCAL', hci_02), its job ended (it publishes no start
    job any more) but its grant release has not reached the Master yet when the bus crashes:
    a running failure, STOP_APPLICATION, once the grant is gone."""
    fix = Fixture(monkeypatch)
    console = fix.id("console_3")
    assert fix.driver.grants.request(HCI, console, fix.now, False) == ""
    fix.run_all("console_3", HCI)
    fix.step()
    fix.advance(0.003)
    fix.cluster.report("console_3", HCI, BUS, P.EXITED, fix.now, expected=False)
    fix.step()
    assert fix.logged(f"{HCI}:{BUS} crashed")
    assert HCI in fix.repair.book.jobs  # waits for the grant
    fix.driver.grants.release(HCI, console)
    fix.step()
    assert HCI in fix.driver.jobs.stopping_applications()
    assert fix.logged(f"{HCI}: running failure, stopping it")


def test_crash_during_a_published_start_job_is_a_starting_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The other side of Req 25: while console_3 publishes its start job, the job owns it."""
    from supvisors_ext import messages

    fix = Fixture(monkeypatch)
    modes = messages.StateModes(
        fsm_state=messages.SupvisorsStates.OPERATION,
        degraded_mode=False,
        discovery_mode=False,
        master_identifier=fix.id("server_1"),
        starting_jobs=True,
        stopping_jobs=False,
        instance_states=(),
        rules_error="",
        starting_applications=(HCI,),
    )
    fix.cluster.context.instances[fix.id("console_3")].state_modes = modes
    fix.run_all("console_3", HCI)
    fix.cluster.report("console_3", HCI, BUS, P.EXITED, fix.now, expected=False)
    fix.step()
    assert HCI not in fix.repair.book.jobs and not fix.logged("crashed")


def split_srv_03(fix: Fixture) -> None:
    """The end state of issue 14's first run: the bus kept on server_3 by SENICIDE, the
    interface still on server_1, the three services stopped everywhere."""
    fix.run_all("server_3", SRV, (BUS,))
    fix.run_all("server_1", SRV, (INTERFACE,))


def test_split_single_instance_application_is_gathered_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fix = Fixture(monkeypatch)
    split_srv_03(fix)
    fix.step()
    assert fix.adapter.stopped == []  # a start job could explain it for a moment
    fix.advance(3.0)
    fix.step()
    assert fix.logged(f"{SRV}: split over")
    assert fix.adapter.stopped == [f"{SRV}:{INTERFACE}"]  # server_1 is local
    assert fix.logged(f"{SRV}: kept whole on {fix.id('server_3')}")
    fix.cluster.report("server_1", SRV, INTERFACE, P.STOPPED, fix.now)
    fix.step()
    # completed where it runs: the next stage of the srv is requested on server_3
    assert fix.logged(f"{SRV}: completing it where it runs")
    assert SRV in fix.driver.jobs.starting_applications()
    starts = fix.sync.remote("start_args")
    assert starts and all(ident == fix.id("server_3") for ident, _ in starts)


def test_completion_waits_for_the_stops_of_the_other_half(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Completing while the stale half still runs would place the missing processes on it
    (the application's first running instance): server_1 here, the bug of issue 14."""
    fix = Fixture(monkeypatch)
    split_srv_03(fix)
    fix.advance(3.0)
    fix.step()
    fix.step()
    assert SRV not in fix.driver.jobs.starting_applications()
    assert not fix.logged("completing")


def test_restart_interrupted_by_an_election_is_noted_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Master's RESTART_APPLICATION is in its stop phase when an election aborts the
    jobs; the Master is elected again: the restart must still happen."""
    fix = Fixture(monkeypatch)
    fix.run_all("server_1", SRV)
    fix.step()
    fix.cluster.report("server_1", SRV, BUS, P.EXITED, fix.now, expected=False)
    fix.step()
    assert SRV in fix.repair.restarts and SRV in fix.driver.jobs.stopping_applications()
    fix.driver.abort()
    fix.repair.abort()
    for record in fix.cluster.context.applications[SRV].processes.values():
        if record.view().running_identifiers:
            fix.cluster.report("server_1", SRV, record.name, P.STOPPED, fix.now)
    fix.step()
    assert fix.logged(f"{SRV}: running failure, restarting it")
    assert SRV in fix.driver.jobs.starting_applications()


def test_loss_left_undone_by_a_returning_master_is_applied_by_the_deputy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """server_1 (the Master) is falsely declared lost with scen2_srv_03; the followers note
    RESTART_APPLICATION, then server_1 comes back as Master, having seen nothing. The
    deputy (first live follower) applies the restart once the grace has passed."""
    fix = Fixture(monkeypatch, local="server_2", master="server_1")
    fix.run_all("server_1", SRV)
    fix.step()
    server_1 = fix.cluster.context.instances[fix.id("server_1")]
    server_1.state = InstanceStates.STOPPED
    lost = lose_processes(fix.cluster.context, server_1, fix.now)
    fix.repair.note_loss(fix.id("server_1"), lost, keep=True)
    assert SRV in fix.repair.book.jobs
    server_1.state = InstanceStates.RUNNING  # back, Master again: this one follows
    fix.deputy = True
    fix.step()
    assert SRV not in fix.repair.book.jobs and SRV in fix.repair.backups.jobs
    fix.advance(5.0)
    fix.step()
    assert fix.sync.remote("admit_start") == []  # the Master may still do it
    fix.advance(3.0)
    fix.step()
    assert fix.logged(f"{SRV}: RESTART_APPLICATION left undone by the Master")
    assert fix.sync.remote("admit_start") == [(fix.id("server_1"), f"admit_start({SRV})")]


def test_backup_is_forgotten_once_the_master_repaired(monkeypatch: pytest.MonkeyPatch) -> None:
    fix = Fixture(monkeypatch, local="server_2", master="server_1")
    fix.run_all("server_3", SRV)
    fix.step()
    server_3 = fix.cluster.context.instances[fix.id("server_3")]
    server_3.state = InstanceStates.STOPPED
    lost = lose_processes(fix.cluster.context, server_3, fix.now)
    fix.repair.note_loss(fix.id("server_3"), lost, keep=False)  # the live Master handles it
    assert SRV in fix.repair.backups.jobs
    fix.deputy = True
    fix.run_all("server_1", SRV)  # the Master restarted it on server_1
    fix.advance(10.0)
    fix.step()
    assert SRV not in fix.repair.backups.jobs and fix.sync.remote("admit_start") == []


def test_follower_that_is_not_the_deputy_only_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    fix = Fixture(monkeypatch, local="server_3", master="server_1")
    fix.run_all("server_2", SRV)
    fix.step()
    server_2 = fix.cluster.context.instances[fix.id("server_2")]
    server_2.state = InstanceStates.STOPPED
    fix.repair.note_loss(
        fix.id("server_2"), lose_processes(fix.cluster.context, server_2, 0), False
    )
    fix.advance(30.0)
    fix.step()
    assert SRV in fix.repair.backups.jobs and fix.sync.remote("admit_start") == []
    assert fix.role == Role.FOLLOWER


def test_restart_cut_short_by_an_election_is_completed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Soak seed 14, fault #64: the Master's restart of scen2_srv_04 had started the bus and
    stage 3 when a rejoining instance caused an election. The restart, noted again, found its
    failed process (the bus) running and was 'no longer needed'; the automatic start had left
    the application to that job: its interface stayed stopped. It is completed instead."""
    fix = Fixture(monkeypatch)
    fix.run_all("server_1", SRV)
    fix.step()
    fix.cluster.report("server_1", SRV, BUS, P.EXITED, fix.now, expected=False)
    fix.step()  # restart: stop job
    for record in fix.cluster.context.applications[SRV].processes.values():
        if record.view().running_identifiers:
            fix.cluster.report("server_1", SRV, record.name, P.STOPPED, fix.now)
    fix.step()  # stop over: the start job begins
    assert SRV in fix.driver.jobs.starting_applications()
    fix.refresh_grants()  # a tick sees the restart's grant in use
    fix.run_all("server_1", SRV, STAGES_1_TO_3)
    fix.driver.abort()  # the election
    fix.repair.abort()
    fix.refresh_grants()  # the next tick: the grant is used up
    fix.step()
    assert fix.logged(f"{SRV}: RESTART_APPLICATION no longer needed")
    assert fix.logged(f"{SRV}: completing it where it runs")
    assert SRV in fix.driver.jobs.starting_applications()


def test_a_split_being_gathered_by_another_instance_is_left_to_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """test_req_12: conciliate('SENICIDE') served by a console keeps the young copy's server
    and stops the rest of the application on the old one. The Master must not see the old
    half, STOPPING, as the larger one and gather the application there instead."""
    fix = Fixture(monkeypatch)
    fix.run_all("server_2", SRV, STAGES_1_TO_3)  # the old half, being stopped
    fix.run_all("server_3", SRV, (INTERFACE,))  # the young copy kept
    for name in STAGES_1_TO_3:
        fix.cluster.report("server_2", SRV, name, P.STOPPING, fix.now)
    fix.advance(3.0)
    fix.step()
    fix.advance(3.0)
    fix.step()
    assert not fix.logged("split over") and fix.adapter.stopped == []


def test_backup_is_dropped_when_the_master_found_no_room(monkeypatch: pytest.MonkeyPatch) -> None:
    """Soak seed 14, fault #64 (third run): server_3 lost with scen2_srv_03, no room left; the
    Master's restart failed with 'No resource available'. The deputy retried it while another
    srv was restarting, took that srv's room on server_1 and overloaded it; scen2_srv_03 then
    failed in DISTRIBUTION. The Master's attempt is the answer: the backup is dropped."""
    from supvisors_ext.cluster.status import ForcedState
    from supvisors_ext.jobs.start import NO_RESOURCE

    fix = Fixture(monkeypatch, local="server_2", master="server_1")
    fix.run_all("server_3", SRV)
    fix.step()
    server_3 = fix.cluster.context.instances[fix.id("server_3")]
    server_3.state = InstanceStates.STOPPED
    lost = lose_processes(fix.cluster.context, server_3, fix.now)
    fix.repair.note_loss(fix.id("server_3"), lost, keep=False)
    forced = ForcedState(P.FATAL, NO_RESOURCE, "", fix.now)
    fix.cluster.context.force_state(SRV, BUS, forced)  # the Master's attempt, published
    fix.deputy = True
    fix.advance(10.0)
    fix.step()
    assert SRV not in fix.repair.backups.jobs and fix.sync.remote("admit_start") == []


def test_the_grace_of_a_split_starts_once_its_conflict_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """test_req_12 under load: a conflict (USER strategy) lasted seconds, then a console's
    conciliate() stopped the old copy; the Master counted the split from the conflict's start
    and gathered the application back on the old half at once, racing the console."""
    fix = Fixture(monkeypatch)
    fix.run_all("server_2", SRV, STAGES_1_TO_3)
    fix.run_all("server_3", SRV, (STAGE3[1],))  # a second copy of the config manager
    fix.step()
    fix.advance(10.0)
    fix.step()  # a conflict: the user's to resolve
    fix.cluster.report("server_2", SRV, STAGE3[1], P.STOPPED, fix.now)  # conciliate() elsewhere
    fix.step()
    fix.advance(1.0)
    fix.step()
    assert not fix.logged("split over")
    fix.advance(3.0)
    fix.step()
    assert fix.logged("split over")  # still split with nothing going on: the Master mends it


def test_an_election_releases_the_grants_a_master_gave_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Soak seed 14, step 17 (fourth run): the Master's own restart held a grant; an election
    (the Master itself was hung, then re-elected) dropped the job but kept the grant, and the
    next DISTRIBUTION refused the Master's automatic start: '... is being started by' itself.
    scen2_srv_03 stayed STOPPED with room for it."""
    fix = Fixture(monkeypatch)
    ticket = fix.driver.admit(SRV, False, repair=True)
    assert ticket.decided and ticket.reason == ""
    fix.driver.abort()
    again = fix.driver.admit(SRV, False, repair=True)
    assert again.decided and again.reason == ""


def test_a_restart_that_found_no_room_arms_no_restart_loop_guard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Soak seed 14, step 40 (fifth run): server_3's reload lost scen2_srv_03, whose restart
    found no room. server_3 came back and the DISTRIBUTION started scen2_srv_03 there; a
    crash of its bus 8 s later was taken for a restart loop and stopped it for good."""
    fix = Fixture(monkeypatch)
    for nick, groups in (("server_1", (1, 2)), ("server_3", (3,))):
        for index in groups:
            fix.run_all(nick, f"scen2_srv_{index:02}")
    fix.cluster.set_instance("server_2", InstanceStates.STOPPED)  # server_1 is the only room
    fix.step()
    server_3 = fix.cluster.context.instances[fix.id("server_3")]
    server_3.state = InstanceStates.STOPPED
    fix.repair.note_loss(fix.id("server_3"), lose_processes(fix.cluster.context, server_3, 0), True)
    fix.step()
    assert fix.logged(f"{SRV}: restart failed")
    server_3.state = InstanceStates.RUNNING  # back; the automatic start runs it there again
    fix.advance(2.0)
    fix.run_all("server_3", SRV)
    fix.step()
    fix.advance(6.0)
    fix.cluster.report("server_3", SRV, BUS, P.EXITED, fix.now, expected=False)
    fix.step()
    assert not fix.logged("crashed again")
    assert fix.logged(f"{SRV}:{BUS} crashed (EXITED): RESTART_APPLICATION")


def test_a_srv_left_stopped_for_lack_of_room_is_started_when_a_server_rejoins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Soak seed 14, step 108 (seventh run): scen2_srv_03 had run on server_1 and been stopped,
    then ran on server_3, which was killed; its restart found no room (forced FATAL). server_3
    came back: its first records (every process STOPPED, never started) cleared the forced
    state, the application looked cleanly STOPPED, and the DISTRIBUTION left it stopped."""
    from supvisors_ext.cluster.status import ForcedState
    from supvisors_ext.jobs.start import NO_RESOURCE

    fix = Fixture(monkeypatch)
    cluster = fix.cluster
    fix.run_all("server_1", SRV)
    fix.advance(1.0)
    for record in cluster.context.applications[SRV].processes.values():
        if record.view().running_identifiers:
            cluster.report("server_1", SRV, record.name, P.STOPPED, fix.now)
    fix.advance(1.0)
    fix.run_all("server_3", SRV)
    server_3 = cluster.context.instances[fix.id("server_3")]
    server_3.state = InstanceStates.STOPPED
    lose_processes(cluster.context, server_3, fix.now)
    forced = ForcedState(P.FATAL, NO_RESOURCE, "", fix.now)
    cluster.context.force_state(SRV, BUS, forced)  # the failed restart
    assert cluster.context.applications[SRV].status().major_failure
    # server_3 restarts: its old records are forgotten, its new ones say "never started"
    fix.advance(5.0)
    cluster.context.forget_instance(fix.id("server_3"), fix.now)
    for (nick, group, name), _info in list(cluster.infos.items()):
        if nick == "server_3" and group == SRV:
            del cluster.infos[(nick, group, name)]
            cluster.report("server_3", SRV, name, P.STOPPED, fix.now)
    server_3.state = InstanceStates.RUNNING
    assert cluster.context.find_process(SRV, BUS).view().state == P.FATAL
    assert cluster.context.applications[SRV].status().major_failure
    fix.driver.start_distribution()
    assert fix.logged(SRV) or SRV in fix.driver.jobs.starting_applications()


def test_a_srv_that_found_no_room_is_started_once_a_conciliation_frees_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Soak seed 14, step 185 (eighth run): a partition left scen2_srv_03 running on both
    sides. The DISTRIBUTION that followed the heal counted its load twice and found no room
    for scen2_srv_02 (forced FATAL); the conciliation then stopped the second copy, and
    nothing tried scen2_srv_02 again. The Master now retries once its first stage fits."""
    from supvisors_ext.jobs.start import NO_RESOURCE

    fix = Fixture(monkeypatch)
    cluster = fix.cluster
    fix.cluster.set_instance("server_3", InstanceStates.STOPPED)
    for nick in ("server_1", "server_2"):  # srv_01 and srv_02 twice: conflicts, both full
        for group in ("scen2_srv_01", "scen2_srv_02"):
            fix.run_all(nick, group)
    # the DISTRIBUTION finds no room for srv_03 (the others run: left out here, their
    # wait_exit checks never exit in this double)
    fix.driver.start_distribution(exclude={"scen2_srv_01", "scen2_srv_02"})
    assert fix.logged(f"{SRV}:{BUS} forced FATAL: {NO_RESOURCE}")
    assert SRV in fix.driver.no_room_automatic
    fix.step()
    assert not fix.logged("room found")  # the conflicts inflate the loads: not yet
    fix.advance(1.0)
    for group in ("scen2_srv_01", "scen2_srv_02"):  # the conciliation stops the copies
        for record in cluster.context.applications[group].processes.values():
            if fix.id("server_2") in record.view().running_identifiers:
                cluster.report("server_2", group, record.name, P.STOPPED, fix.now)
    fix.step()
    assert fix.logged(f"{SRV}: room found, starting it again")
    assert SRV in fix.driver.jobs.starting_applications()
    assert [ident for ident, _ in fix.sync.remote("start")] == [fix.id("server_2")]


def test_no_retry_while_there_is_still_no_room(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every server full: the forced FATAL stays, and nothing is attempted (no log, no job)."""
    from supvisors_ext.cluster.status import ForcedState
    from supvisors_ext.jobs.start import NO_RESOURCE

    fix = Fixture(monkeypatch)
    for nick in ("server_2", "server_3"):
        fix.cluster.set_instance(nick, InstanceStates.STOPPED)
    for group in ("scen2_srv_01", "scen2_srv_02"):
        fix.run_all("server_1", group)  # the only server left, full
    forced = ForcedState(P.FATAL, NO_RESOURCE, "", fix.now)
    fix.cluster.context.force_state(SRV, BUS, forced)
    fix.driver.no_room_automatic.add(SRV)  # an automatic start found no room
    for _ in range(3):
        fix.advance(10.0)
        fix.cluster.report("server_1", "scen2_srv_01", BUS, P.RUNNING, fix.now)  # any change
        fix.step()
    assert not fix.logged("room found") and SRV not in fix.driver.jobs.starting_applications()


def test_a_restart_dropped_by_an_election_leaves_no_restart_loop_guard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Soak seed 14, step 275 (tenth run): a crash of srv_04's bus began a restart (its
    restart-loop guard armed until the start-up ends); an election aborted it; noted again,
    it was no longer needed (the bus ran again) and never started. Its guard never ended: a
    crash 40 s later was taken for `crashed again within 10 s` and stopped srv_04 for good."""
    fix = Fixture(monkeypatch)
    fix.run_all("server_1", SRV)
    fix.step()
    fix.cluster.report("server_1", SRV, BUS, P.EXITED, fix.now, expected=False)
    fix.step()
    assert SRV in fix.repair.restarts  # in its stop phase, guard armed
    fix.driver.abort()
    fix.repair.abort()
    fix.cluster.run("server_1", SRV, BUS, fix.now)  # the bus runs again (someone started it)
    fix.step()
    assert fix.logged(f"{SRV}: RESTART_APPLICATION no longer needed")
    for record in fix.cluster.context.applications[SRV].processes.values():
        if record.rules.wait_exit:  # the completion ran the rest: every job is over
            fix.cluster.exit_ok("server_1", SRV, record.name, fix.now)
            fix.step()
    fix.run_all("server_1", SRV)
    fix.step()
    assert SRV not in fix.driver.jobs.starting_applications() and SRV not in fix.repair.restarts
    fix.advance(40.0)
    before = len(fix.logger.lines)
    fix.cluster.report("server_1", SRV, BUS, P.EXITED, fix.now, expected=False)
    fix.step()
    later = fix.logger.lines[before:]
    assert f"{SRV}:{BUS} crashed (EXITED): RESTART_APPLICATION" in later
    assert not any("crashed again" in line for line in later)


def test_the_split_scan_runs_after_a_change_at_most_every_half_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Master's split scan walks every application: at a launch of 100 it ran at every
    event (issue 18). Now it runs at most every MEND_SCAN_PERIOD, and with nothing changed and
    no split pending, not at all; a split is still mended after its grace."""
    from supvisors_ext.runtime.wholeness import MEND_SCAN_PERIOD

    fix = Fixture(monkeypatch)
    fix.step()
    scanned = fix.repair.mend_scanned
    fix.advance(MEND_SCAN_PERIOD + 0.1)
    fix.step()
    assert fix.repair.mend_scanned == scanned  # nothing changed, no split pending: no scan
    split_srv_03(fix)
    fix.step()
    assert fix.repair.mend_scanned[0] == fix.now  # a change: scanned, the split noted
    assert SRV in fix.repair.split_since
    fix.advance(MEND_SCAN_PERIOD / 2)
    fix.step()
    assert fix.repair.mend_scanned[0] == fix.now - MEND_SCAN_PERIOD / 2  # too soon: not again
    fix.advance(3.0)
    fix.step()
    assert fix.logged(f"{SRV}: split over")
