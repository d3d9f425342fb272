"""The XML-RPC edge: the `supvisors` and `collections` namespaces.

Owns the namespace classes, the handlers behind them, the dictionaries they return (`views`)
and the deferred-call helpers for waiting calls. It may import `runtime` and everything below;
supervisor's XML-RPC types reach it through `host`.
"""
