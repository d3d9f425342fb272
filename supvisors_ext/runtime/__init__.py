"""Runtime wiring: the composition root and everything that turns decisions into effects.

Owns the plugin and its lifecycle (`plugin`), the peer synchronisation that applies bus messages
and handshakes (`sync`), the driver that carries job commands out locally or on peers
(`driver`), and the repair of failures and conflicts (`repair`). It may import `host`, `net`,
`cluster`, `jobs` and the pure modules; it never imports `supervisor` or `zmq` directly: those
stay behind `host` and `net`.
"""
