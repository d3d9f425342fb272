"""pytest fixtures and hooks of the harness; registered by tests/conftest.py.

- ``make_cluster(**Cluster kwargs) -> Cluster``: any number of clusters per test, each in
  ``tmp_path/<name>``; all closed at teardown (even when the test failed).
- ``supervisord_cluster``: one ``Cluster`` with the plugin (``make_cluster()``).
- When a test fails, the log tails of its clusters are added to the report.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness.cluster import Cluster

_CLUSTERS = pytest.StashKey[list[Cluster]]()

ClusterFactory = Callable[..., Cluster]


@pytest.fixture
def make_cluster(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ClusterFactory]:
    """Factory of clusters: ``make_cluster(plugin=False, supvisors_options={...})``."""
    clusters: list[Cluster] = []
    request.node.stash[_CLUSTERS] = clusters

    def factory(**kwargs: Any) -> Cluster:
        name = kwargs.pop("name", f"cluster{len(clusters)}")
        cluster = Cluster(tmp_path / name, name=name, **kwargs)
        clusters.append(cluster)
        return cluster

    try:
        yield factory
    finally:
        errors: list[BaseException] = []
        for cluster in reversed(clusters):
            try:
                cluster.close()
            except BaseException as exc:  # noqa: BLE001 - close every cluster, then report
                errors.append(exc)
        if errors:
            raise errors[0]


@pytest.fixture
def supervisord_cluster(make_cluster: ClusterFactory) -> Cluster:
    """One cluster, plugin sections written (pass ``plugin=False`` to ``add`` to omit them)."""
    return make_cluster()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On failure, attach the supervisord log tails of the test's clusters to the report."""
    report = yield
    if report.failed and report.when in ("setup", "call"):
        for cluster in item.stash.get(_CLUSTERS, []):
            text = cluster.dump()
            if text:
                report.sections.append((f"supervisord logs ({cluster.name})", text))
    return report
