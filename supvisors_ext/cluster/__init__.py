"""Cluster core: what the instances know of each other, and what follows from it.

Owns the Supvisors state machine (`engine`, with its inputs and outputs in `fsm_io`), the
synchronization conditions and the Master election (`election`), the local picture of
instances, applications and processes (`context`, `status`), instance states from ticks and
handshakes (`membership`), and the decisions taken on that picture: start grants (`admission`),
running failures (`failures`) and conflict plans (`conciliation`). Pure: it imports only the
pure top-level modules (`model`, `messages`, `config`, `rules`, `strategy`); time arrives as an
argument. No supervisor, zmq, threads or sockets.
"""
