"""Resident memory of this process: its peak, and resetting the peak to measure one stage."""

from __future__ import annotations

import resource


def peak_rss() -> int:
    """Peak resident memory of this process in bytes: VmHWM, which (unlike getrusage's
    ru_maxrss) does not include the process this one was exec'd from, and which
    :func:`reset_peak_rss` can reset."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_peak_rss() -> bool:
    """Reset the peak to the current resident memory (Linux: ``/proc/self/clear_refs``), so
    that :func:`peak_rss` gives the peak of what follows; False where that is not possible
    (the peak then stays the process's)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False
