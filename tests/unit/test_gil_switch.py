"""The plugin shortens the GIL switch interval of supervisord's process (issue 18)."""

from __future__ import annotations

import sys

from supvisors_ext.host.mainloop import GIL_SWITCH_INTERVAL, shorten_gil_switch_interval


def test_switch_interval_is_shortened_and_never_lengthened() -> None:
    saved = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        assert shorten_gil_switch_interval() == 0.005
        assert sys.getswitchinterval() == GIL_SWITCH_INTERVAL
        sys.setswitchinterval(0.0001)  # somebody wanted shorter: kept
        shorten_gil_switch_interval()
        assert sys.getswitchinterval() < GIL_SWITCH_INTERVAL
    finally:
        sys.setswitchinterval(saved)
