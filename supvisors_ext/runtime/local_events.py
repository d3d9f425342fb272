"""supervisord's local events turned into context updates and bus publications (main thread).

Process state changes, process groups added or removed, and the initial snapshot of the local
processes. `LocalEvents` depends on the host adapter, the context, the rules, the peer sync
(publications), the driver (a job may progress on each event) and the logger.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from supvisors_ext.cluster.context import Context
from supvisors_ext.host.adapter import SupervisorAdapter
from supvisors_ext.host.conffiles import program_origins, read_config_files
from supvisors_ext.host.log import PluginLogger
from supvisors_ext.host.mainloop import Ticker
from supvisors_ext.model import ProcessStates, RunningFailureStrategies
from supvisors_ext.rules import Rules
from supvisors_ext.runtime.driver import Driver
from supvisors_ext.runtime.sync import PeerSync


class LocalEvents:
    """Handlers of supervisord's process events, subscribed by the plugin."""

    def __init__(
        self,
        adapter: SupervisorAdapter,
        context: Context,
        rules: Rules,
        sync: PeerSync,
        driver: Driver,
        logger: PluginLogger,
        rearm: Callable[[], None],
    ) -> None:
        self.adapter = adapter
        self.context = context
        self.rules = rules
        self.sync = sync
        self.driver = driver
        self.logger = logger
        self.rearm = rearm
        self.ticker: Ticker | None = None  # set while supervisord runs (wakes STARTING checks)
        # rules warnings already logged (pattern matching may add some when a group appears)
        self.rules_warnings_logged = len(rules.warnings)

    def read_program_origins(self) -> None:
        """Recover program names and numprocs ranks from supervisord's own files."""
        configfile = self.adapter.options.configfile
        try:
            parser = read_config_files(configfile, os.environ)
            origins = program_origins(parser, os.path.dirname(configfile))
            for key, origin in self.adapter.origins.items():  # processes update_numprocs added
                if key not in origins and self.adapter.find(*key) is not None:
                    origins[key] = origin
            self.adapter.origins = origins
        except (OSError, ValueError, KeyError) as exc:
            self.logger.warn(f"cannot read program names from {configfile}: {exc}")

    # ----- supervisord events
    def load_local_processes(self) -> None:
        now = time.monotonic()
        for info in self.adapter.all_local_infos(now):
            self.context.update_process(self.context.local_identifier, info, now)
        self.log_new_rules_warnings()
        for group in self.adapter.supervisord.process_groups.values():
            self.own_restarts(group)

    def own_restarts(self, group: Any) -> None:
        """Processes whose crash stops or restarts their application must not be restarted by
        supervisord meanwhile (docs/design/failures.md#running-failures): their `autorestart` is
        turned off."""
        owned = (
            RunningFailureStrategies.STOP_APPLICATION,
            RunningFailureStrategies.RESTART_APPLICATION,
        )
        for process in group.processes.values():
            rules = self.context.program_rules(group.config.name, process.config.name)
            if rules.running_failure_strategy in owned and self.adapter.disable_autorestart(
                process
            ):
                self.logger.warn(
                    f"{group.config.name}:{process.config.name}: autorestart disabled"
                    f" ({rules.running_failure_strategy.name} handles its failures)"
                )

    def log_new_rules_warnings(self) -> None:
        """Log the warnings the rules produced while matching newly seen groups."""
        for issue in self.rules.warnings[self.rules_warnings_logged :]:
            self.logger.warn(issue.format_warning())
        self.rules_warnings_logged = len(self.rules.warnings)

    def on_process_state(self, event: Any) -> None:
        now = time.monotonic()
        self.adapter.note_state_change(event.process, now)
        info = self.adapter.local_info(event.process, now)
        if info.state == ProcessStates.STARTING and info.startsecs and self.ticker is not None:
            # supervisord checks `now - laststart > startsecs`: wake it just after
            self.ticker.wake_at(now + info.startsecs + 0.02)
        self.context.update_process(self.context.local_identifier, info, now)
        self.sync.publish_process(info)
        self.driver.step()
        self.rearm()

    def on_group_added(self, event: Any) -> None:
        now = time.monotonic()
        group = self.adapter.supervisord.process_groups.get(event.group)
        if group is None:
            return
        self.adapter.apply_disabilities()  # new process objects of a disabled program
        for process in group.processes.values():
            info = self.adapter.local_info(process, now)
            self.context.update_process(self.context.local_identifier, info, now)
            self.sync.publish_process(info, added=True)
        self.log_new_rules_warnings()
        self.own_restarts(group)

    def forget_local(self, removed: list[tuple[str, str]]) -> None:
        """Local processes that left supervisord without a group event (update_numprocs)."""
        now = time.monotonic()
        for group, name in removed:
            self.context.remove_process(self.context.local_identifier, group, name, now)
            self.sync.publish_removed(group, name)

    def on_group_removed(self, event: Any) -> None:
        now = time.monotonic()
        application = self.context.applications.get(event.group)
        if application is None:
            return
        for name in list(application.processes):
            self.context.remove_process(self.context.local_identifier, event.group, name, now)
            self.sync.publish_removed(event.group, name)
