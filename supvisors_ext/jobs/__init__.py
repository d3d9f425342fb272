"""Start and stop jobs: stages, requests, deadlines and starting failure strategies.

Owns one start job (`start`), one stop job (`stop`) and their planner and stepper (`control`),
which places processes by the starting strategies of `strategy/`. Jobs return commands; they
never carry them out. Pure: it may import `cluster` and the pure top-level modules only.
"""
