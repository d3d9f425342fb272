"""Host adapter: the only package that imports supervisor.

Owns everything that touches supervisord's objects and files: the adapter over process groups,
processes, events and mood (`adapter`), the main-loop hand-off from worker threads (`mainloop`),
the plugin logger (`log`), the re-reading of supervisord's configuration files (`conffiles`),
local host facts (`localhost`), the collections service and events, and what the RPC layer needs
of supervisor's XML-RPC machinery (`xmlrpc`: faults and deferred results; `local_supervisor`:
supervisor's own namespace called in-process). It may import the pure modules and `cluster`;
never `runtime`, `rpc` or `net`.
"""
