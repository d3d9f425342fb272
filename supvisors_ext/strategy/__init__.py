"""Placement: identifier resolution, `#`/`@` distribution, starting strategies, loads; pure.

Nothing here imports supervisor, zmq, threading or time
(docs/architecture.md#layers-and-dependency-direction).
"""

from supvisors_ext.strategy.candidates import (
    FULL_LOAD,
    Candidate,
    reference_list,
    resolve_identifiers,
)
from supvisors_ext.strategy.onetoone import assign_hash_application, assign_hash_program
from supvisors_ext.strategy.pending import PendingLoads
from supvisors_ext.strategy.placement import (
    NO_RESOURCE,
    Placement,
    place_process,
    place_single_instance,
)
from supvisors_ext.strategy.starting import (
    CHOOSERS,
    Chooser,
    Scored,
    choose_instance,
    choose_node,
    node_loads,
    pick_candidate,
)

__all__ = [
    "CHOOSERS",
    "FULL_LOAD",
    "NO_RESOURCE",
    "Candidate",
    "Chooser",
    "PendingLoads",
    "Placement",
    "Scored",
    "assign_hash_application",
    "assign_hash_program",
    "choose_instance",
    "choose_node",
    "node_loads",
    "pick_candidate",
    "place_process",
    "place_single_instance",
    "reference_list",
    "resolve_identifiers",
]
