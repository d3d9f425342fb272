"""Operator commands over the `supvisors` XML-RPC namespace (docs/cli.md).

One command table serves both front-ends: the `[ctlplugin:supvisors]` adapter loaded by stock
`supervisorctl -c FILE` (`ctlplugin.py`) and the standalone `supvisorsctl` (`shell.py`).
Client side only: nothing here imports the plugin's runtime, zmq or supervisord internals.
"""
