"""Runtime wiring: the composition root and everything that turns decisions into effects.

Owns the plugin and its lifecycle (`plugin`), supervisord's process events (`local_events`),
the state machine's loop that turns its actions into effects (`cluster_loop`), the peer
synchronisation that applies bus messages and handshakes (`sync`), the start grants asked of the
Master (`admission_client`), the driver that carries job commands out locally or on peers
(`driver`), and the repair of failures and conflicts (`repair`). It may import `host`, `net`,
`cluster`, `jobs` and the pure modules; it never imports `supervisor` or `zmq` directly: those
stay behind `host` and `net`.
"""
