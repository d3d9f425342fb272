"""The REST route table (docs/rest.md): Supvisors' `supvisorsflask` routes under `/api`; pure.

One line per route: HTTP method, path template, then the XML-RPC call it makes. A path
segment `<kind:name>` is a path parameter; a call argument is a path parameter's name, a query
parameter (`?wait`, `?extra_args`) or a constant (`=true`, `=false`). The table also feeds
`/api/openapi.json`, so the documentation never drifts from the dispatcher.
"""

from __future__ import annotations

from dataclasses import dataclass

# kinds of path parameters, as supvisorsflask's converters
PATH_KINDS = ("str", "int", "sint", "float", "strategy", "conciliation", "loglevel")
# query parameters and their defaults (supvisorsflask's request parsers)
QUERY_DEFAULTS: dict[str, object] = {"wait": True, "extra_args": ""}
CONSTANTS: dict[str, object] = {"=true": True, "=false": False}

_TABLE = """
GET  /supvisors/api_version                      supvisors.get_api_version
GET  /supvisors/supvisors_state                  supvisors.get_supvisors_state
GET  /supvisors/all_instances_state_modes        supvisors.get_all_instances_state_modes
GET  /supvisors/instance_state_modes/<str:identifier>  supvisors.get_instance_state_modes identifier
GET  /supvisors/master_identifier                supvisors.get_master_identifier
GET  /supvisors/core_identifiers                 supvisors.get_core_identifiers
GET  /supvisors/strategies                       supvisors.get_strategies
GET  /supvisors/statistics_status                supvisors.get_statistics_status
GET  /supvisors/network_info/<str:identifier>    supvisors.get_network_info identifier
GET  /supvisors/all_instances_info               supvisors.get_all_instances_info
GET  /supvisors/instance_info/<str:identifier>   supvisors.get_instance_info identifier
GET  /supvisors/all_applications_info            supvisors.get_all_applications_info
GET  /supvisors/application_info/<str:application_name>  supvisors.get_application_info application_name
GET  /supvisors/application_rules/<str:application_name> supvisors.get_application_rules application_name
GET  /supvisors/all_process_info                 supvisors.get_all_process_info
GET  /supvisors/process_info/<str:namespec>      supvisors.get_process_info namespec
GET  /supvisors/all_local_process_info           supvisors.get_all_local_process_info
GET  /supvisors/local_process_info/<str:namespec>  supvisors.get_local_process_info namespec
GET  /supvisors/all_inner_process_info/<str:identifier>  supvisors.get_all_inner_process_info identifier
GET  /supvisors/inner_process_info/<str:identifier>/<str:namespec>  supvisors.get_inner_process_info identifier namespec
GET  /supvisors/process_rules/<str:namespec>     supvisors.get_process_rules namespec
GET  /supvisors/conflicts                        supvisors.get_conflicts
GET  /supvisors/host_statistics/<str:identifier>/<float:period>  supvisors.get_host_statistics identifier period
GET  /supvisors/process_statistics/<str:namespec>/<float:period>  supvisors.get_process_statistics namespec period
GET  /supvisors/collections                      supvisors.list_collections
GET  /supvisors/collection_process_info/<str:collection_name>  supvisors.get_collection_process_info collection_name
POST /supvisors/start_application/<strategy:strategy>/<str:application_name>  supvisors.start_application strategy application_name ?wait
POST /supvisors/test_start_application/<strategy:strategy>/<str:application_name>  supvisors.test_start_application strategy application_name
POST /supvisors/stop_application/<str:application_name>  supvisors.stop_application application_name ?wait
POST /supvisors/restart_application/<strategy:strategy>/<str:application_name>  supvisors.restart_application strategy application_name ?wait
POST /supvisors/start_args/<str:namespec>        supvisors.start_args namespec ?extra_args ?wait
POST /supvisors/start_process/<strategy:strategy>/<str:namespec>  supvisors.start_process strategy namespec ?extra_args ?wait
POST /supvisors/test_start_process/<strategy:strategy>/<str:namespec>  supvisors.test_start_process strategy namespec
POST /supvisors/start_any_process/<strategy:strategy>/<str:regex>  supvisors.start_any_process strategy regex ?extra_args ?wait
POST /supvisors/stop_process/<str:namespec>      supvisors.stop_process namespec ?wait
POST /supvisors/restart_process/<strategy:strategy>/<str:namespec>  supvisors.restart_process strategy namespec ?extra_args ?wait
POST /supvisors/lazy_update_numprocs/<str:program_name>/<int:numprocs>  supvisors.update_numprocs program_name numprocs ?wait =true
POST /supvisors/update_numprocs/<str:program_name>/<int:numprocs>  supvisors.update_numprocs program_name numprocs ?wait
POST /supvisors/enable/<str:program_name>        supvisors.enable program_name ?wait
POST /supvisors/disable/<str:program_name>       supvisors.disable program_name ?wait
POST /supvisors/conciliate/<conciliation:strategy>  supvisors.conciliate strategy
POST /supvisors/restart_sequence                 supvisors.restart_sequence ?wait
POST /supvisors/restart                          supvisors.restart
POST /supvisors/shutdown                         supvisors.shutdown
POST /supvisors/end_sync                         supvisors.end_sync
POST /supvisors/end_sync/<str:identifier>        supvisors.end_sync identifier
POST /supvisors/change_log_level/<loglevel:log_level>  supvisors.change_log_level log_level
POST /supvisors/enable_host_statistics           supvisors.enable_host_statistics =true
POST /supvisors/disable_host_statistics          supvisors.enable_host_statistics =false
POST /supvisors/enable_process_statistics        supvisors.enable_process_statistics =true
POST /supvisors/disable_process_statistics       supvisors.enable_process_statistics =false
POST /supvisors/update_collecting_period/<float:period>  supvisors.update_collecting_period period
POST /supvisors/start_collection/<str:collection_name>  supvisors.start_collection collection_name ?wait
POST /supvisors/stop_collection/<str:collection_name>   supvisors.stop_collection collection_name ?wait
POST /supvisors/signal_collection/<str:collection_name>/<str:signal>  supvisors.signal_collection collection_name signal
GET  /supervisor/getAPIVersion                   supervisor.getAPIVersion
GET  /supervisor/getSupervisorVersion            supervisor.getSupervisorVersion
GET  /supervisor/getIdentification               supervisor.getIdentification
GET  /supervisor/getState                        supervisor.getState
GET  /supervisor/getPID                          supervisor.getPID
GET  /supervisor/readLog/<sint:offset>/<int:length>  supervisor.readLog offset length
POST /supervisor/clearLog                        supervisor.clearLog
POST /supervisor/shutdown                        supervisor.shutdown
POST /supervisor/restart                         supervisor.restart
POST /supervisor/reloadConfig                    supervisor.reloadConfig
POST /supervisor/addProcessGroup/<str:name>      supervisor.addProcessGroup name
POST /supervisor/removeProcessGroup/<str:name>   supervisor.removeProcessGroup name
POST /supervisor/startProcess/<str:name>         supervisor.startProcess name ?wait
POST /supervisor/startProcessGroup/<str:name>    supervisor.startProcessGroup name ?wait
POST /supervisor/startAllProcesses               supervisor.startAllProcesses ?wait
POST /supervisor/stopProcess/<str:name>          supervisor.stopProcess name ?wait
POST /supervisor/stopProcessGroup/<str:name>     supervisor.stopProcessGroup name ?wait
POST /supervisor/stopAllProcesses                supervisor.stopAllProcesses ?wait
POST /supervisor/signalProcess/<str:name>/<str:signal>  supervisor.signalProcess name signal
POST /supervisor/signalProcessGroup/<str:name>/<str:signal>  supervisor.signalProcessGroup name signal
POST /supervisor/signalAllProcesses/<str:signal> supervisor.signalAllProcesses signal
GET  /supervisor/getAllConfigInfo                supervisor.getAllConfigInfo
GET  /supervisor/getProcessInfo/<str:name>       supervisor.getProcessInfo name
GET  /supervisor/getAllProcessInfo               supervisor.getAllProcessInfo
GET  /supervisor/readProcessStdoutLog/<str:name>/<sint:offset>/<int:length>  supervisor.readProcessStdoutLog name offset length
GET  /supervisor/readProcessStderrLog/<str:name>/<sint:offset>/<int:length>  supervisor.readProcessStderrLog name offset length
GET  /supervisor/tailProcessStdoutLog/<str:name>/<int:offset>/<int:length>  supervisor.tailProcessStdoutLog name offset length
GET  /supervisor/tailProcessStderrLog/<str:name>/<int:offset>/<int:length>  supervisor.tailProcessStderrLog name offset length
POST /supervisor/clearProcessLogs/<str:name>     supervisor.clearProcessLogs name
POST /supervisor/clearAllProcessLogs             supervisor.clearAllProcessLogs
POST /supervisor/sendProcessStdin/<str:name>/<str:chars>  supervisor.sendProcessStdin name chars
POST /supervisor/sendRemoteCommEvent/<str:type>/<str:data>  supervisor.sendRemoteCommEvent type data
GET  /system/listMethods                         system.listMethods
GET  /system/methodHelp/<str:name>               system.methodHelp name
GET  /system/methodSignature/<str:name>          system.methodSignature name
"""


@dataclass(frozen=True)
class Segment:
    """One path segment: a literal, or a parameter with its kind."""

    text: str
    kind: str = ""  # "" for a literal

    @property
    def is_parameter(self) -> bool:
        return bool(self.kind)


@dataclass(frozen=True)
class Route:
    """One REST route: `http_method /api<path>` calls `namespace.method(*arguments)`."""

    http_method: str
    segments: tuple[Segment, ...]
    namespace: str
    method: str
    arguments: tuple[str, ...]  # path parameter names, `?query` names, `=constant`

    @property
    def path(self) -> str:
        """The template, OpenAPI style: `/supvisors/process_info/{namespec}`."""
        return "/" + "/".join(
            "{" + s.text + "}" if s.is_parameter else s.text for s in self.segments
        )

    @property
    def path_parameters(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.is_parameter)

    @property
    def query_parameters(self) -> tuple[str, ...]:
        return tuple(a[1:] for a in self.arguments if a.startswith("?"))


def _segment(text: str) -> Segment:
    if text.startswith("<") and text.endswith(">"):
        kind, _, name = text[1:-1].partition(":")
        if kind not in PATH_KINDS or not name:
            raise ValueError(f"route table: bad path parameter {text!r}")
        return Segment(name, kind)
    return Segment(text)


def parse_table(table: str) -> tuple[Route, ...]:
    """The routes of a table text; a malformed line raises ValueError naming it."""
    routes = []
    for number, line in enumerate(table.strip().splitlines(), 1):
        http_method, path, call, *arguments = line.split()
        namespace, _, method = call.partition(".")
        segments = tuple(_segment(part) for part in path.strip("/").split("/"))
        names = {s.text for s in segments if s.is_parameter}
        for argument in arguments:
            known = argument in CONSTANTS or argument[1:] in QUERY_DEFAULTS or argument in names
            if not known:
                raise ValueError(f"route table line {number}: unknown argument {argument!r}")
        routes.append(Route(http_method, segments, namespace, method, tuple(arguments)))
    return tuple(routes)


ROUTES = parse_table(_TABLE)
