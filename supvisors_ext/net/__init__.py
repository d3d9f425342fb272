"""Network adapter: the only package that imports zmq.

Owns the bus (`bus`: the main thread's handle; `bus_thread`: the thread and its sockets), CURVE
authentication (`bus_security`), XML-RPC workers towards peers (`peers`), network facts of an
instance (`network`), and discovery mode (`discovery`, `beacon`). Threads here never touch
supervisord or the model: they hand items to the main thread through the inbox of
`host.mainloop`. It may import the pure modules and `host`.
"""
