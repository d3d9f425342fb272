"""Start grants asked of the Master and held by this instance (docs/design/jobs.md#admission).

Main thread. A local Master answers at once from its `GrantBook`; a remote one through a peer
call whose reply decides the `Ticket` later. A grant held here is bound to the start job it
allowed and given back when that job ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from supvisors_ext.cluster.admission import GrantBook
from supvisors_ext.compat import SLOTS
from supvisors_ext.faults import Faults, SupvisorsFaults
from supvisors_ext.jobs.start import StartJob
from supvisors_ext.net.peers import PeerReply, call
from supvisors_ext.runtime.sync import PeerSync

ADMISSION_TIMEOUT = 10.0


@dataclass(**SLOTS)
class Ticket:
    """The Master's answer to an admission request."""

    key: str
    decided: bool = False
    reason: str = ""  # '' when granted
    expires: float = 0.0
    # the fault a refusal maps to: ALREADY_STARTED when the Master saw a start, else
    # BAD_SUPVISORS_STATE (no Master, Master unreachable: refused rather than risk two starts)
    code: int = Faults.ALREADY_STARTED
    # called on the main thread when a peer Master's answer arrives: a waiting call begins its
    # job then, not at supervisord's next poll of the call (up to POLL_DELAY later, issue 18)
    on_decided: Callable[[], None] | None = None

    def refuse(self, reason: str, code: int) -> None:
        self.decided, self.reason, self.code = True, reason, code


class AdmissionClient:
    """The grants this instance asks for and holds."""

    def __init__(
        self, local: str, grants: GrantBook, sync: PeerSync, master: Callable[[], str]
    ) -> None:
        self.local = local
        self.grants = grants  # the Master's book (used when this instance is the Master)
        self.sync = sync
        self.master = master
        # grants this instance holds: key -> (Master, job once planned)
        self.held: dict[str, tuple[str, StartJob | None]] = {}

    def clear(self) -> None:
        """The jobs were dropped (an election, a stop state): so are the grants held for them.
        Those this Master gave itself are released too: a Master that stays Master across the
        election would otherwise refuse its own next start of the application ("is being
        started by" itself) until the grant times out (chaos soak, bench/CHAOS.md)."""
        for key, (master, _job) in self.held.items():
            if master == self.local:
                self.grants.release(key, self.local)
        self.held.clear()

    def admit(self, key: str, already_started: bool, repair: bool = False) -> Ticket:
        """Ask the Master for a start grant; a local Master answers at once.

        `repair`: an automatic start that completes a partly running application
        (docs/design/jobs.md#automatic-start-and-repair).
        """
        ticket = Ticket(key, expires=time.monotonic() + ADMISSION_TIMEOUT)
        master = self.master()
        if not master:
            ticket.refuse("no Master to admit the start", SupvisorsFaults.BAD_SUPVISORS_STATE)
        elif master == self.local:
            ticket.decided = True
            ticket.reason = self.grants.request(key, self.local, time.monotonic(), already_started)
            if not ticket.reason:
                self.held[key] = (master, None)
        else:
            token = self.sync.submit(
                master,
                f"admit_start({key})",
                call("supvisors.admit_start", key, self.local, repair),
                lambda reply: self._on_admission(ticket, reply),
            )
            if not token:
                unreachable = f"the Master {master} cannot be reached"
                ticket.refuse(unreachable, SupvisorsFaults.BAD_SUPVISORS_STATE)
        return ticket

    def _on_admission(self, ticket: Ticket, reply: PeerReply) -> None:
        ticket.decided = True
        if not reply.ok:
            why = reply.fault.text if reply.fault else reply.error
            ticket.reason = f"the Master did not admit the start: {why}"
            ticket.code = SupvisorsFaults.BAD_SUPVISORS_STATE
        else:
            ticket.reason = str(reply.value)
            if not ticket.reason:
                self.held[ticket.key] = (reply.identifier, None)
        if ticket.on_decided is not None:
            ticket.on_decided()

    def bind(self, key: str, job: StartJob) -> None:
        if key in self.held:
            self.held[key] = (self.held[key][0], job)

    def release_ended(self) -> None:
        """Give back the grants of ended jobs, so the application may be started again."""
        for key, (master, job) in list(self.held.items()):
            if job is None or not job.ended:
                continue
            del self.held[key]
            if master == self.local:
                self.grants.release(key, self.local)
            else:
                self.sync.submit(
                    master,
                    f"release_start({key})",
                    call("supvisors.release_start", key, self.local),
                    lambda reply: None,  # a lost release expires with the requester or on timeout
                )
