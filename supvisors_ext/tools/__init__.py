"""Offline tools: the breed planner and the CURVE key generator.

Neither runs inside supervisord. They may import the pure modules and, for key generation
only, `net.bus_security`; never `runtime`, `rpc` or `host`.
"""
