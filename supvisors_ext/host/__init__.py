"""Host adapter: the only package that imports supervisor.

Owns everything that touches supervisord's objects and files: the adapter over process groups,
processes, events and mood (`adapter`), the main-loop hand-off from worker threads (`mainloop`),
the plugin logger (`log`), the re-reading of supervisord's configuration files (`conffiles`),
local host facts (`localhost`), and the collections service and events. It may import the pure
modules and `cluster`; never `runtime`, `rpc` or `net`.
"""
