"""`reread` and `update` also print the collection changes (docs/cli.md, docs/collections.md).

With the plugin loaded on the server, `supervisor.reloadConfig()` returns
`[[added, changed, removed], [coll_added, coll_changed, coll_removed]]` and supervisorctl's
own commands read only the first element. Their code is kept: the default plugin *instance*
gets instance attributes `do_reread`/`do_update` that run the original method against a
controller view whose `reloadConfig` keeps its result, then print the second element. No
supervisor class or module is changed (the same kind of instance patch Supvisors' ctlplugin
applies to `_startresult`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from supvisors_ext.cli.formats import collection_changes


class _RecordingSupervisor:
    """The `supervisor` namespace proxy, keeping the result of `reloadConfig`."""

    def __init__(self, namespace: Any, results: list[Any]) -> None:
        self._namespace = namespace
        self._results = results

    def reloadConfig(self) -> Any:  # noqa: N802 - supervisor's name
        result = self._namespace.reloadConfig()
        self._results.append(result)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._namespace, name)


class _RecordingController:
    """The controller as the default plugin sees it during one command; writes go through."""

    def __init__(self, controller: Any, results: list[Any]) -> None:
        object.__setattr__(self, "_controller", controller)
        object.__setattr__(self, "_results", results)

    def get_supervisor(self) -> Any:
        return _RecordingSupervisor(self._controller.get_supervisor(), self._results)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._controller, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._controller, name, value)  # e.g. exitstatus


def _wrapped(plugin: Any, original: Callable[[str], Any], applied: bool) -> Callable[[str], Any]:
    def command(arg: str) -> Any:
        results: list[Any] = []
        controller = plugin.ctl
        plugin.ctl = _RecordingController(controller, results)
        try:
            answer = original(arg)
        finally:
            plugin.ctl = controller
        for result in results:
            if isinstance(result, list) and len(result) > 1 and isinstance(result[1], list):
                for line in collection_changes(result[1], applied):
                    controller.output(line)
        return answer

    command.__doc__ = original.__doc__
    return command


def print_collection_changes(plugins: list[Any]) -> None:
    """Wrap `do_reread`/`do_update` of supervisorctl's default plugin (the first that has them)."""
    for plugin in plugins:
        if hasattr(plugin, "do_reread") and hasattr(plugin, "_formatChanges"):
            if not getattr(plugin, "_supvisors_ext_wrapped", False):
                plugin.do_reread = _wrapped(plugin, plugin.do_reread, applied=False)
                plugin.do_update = _wrapped(plugin, plugin.do_update, applied=True)
                plugin._supvisors_ext_wrapped = True
            return
