"""gensim's lifecycle events: a log of what happened to a model or its vectors, kept on them."""

from __future__ import annotations

import datetime
import logging
import platform
import sys
from typing import Any

logger = logging.getLogger(__name__)


def record_event(obj: Any, event_name: str, log_level: int, event: dict[str, Any]) -> None:
    """Append ``event`` (with its name, the time and the versions) to ``obj.lifecycle_events``,
    creating the list if needed, and log it at ``log_level`` (0: not logged)."""
    from w2v.version import __version__

    record = {"event": event_name, **event, "datetime": datetime.datetime.now().isoformat(),
              "w2v": __version__, "python": sys.version,
              "platform": platform.platform()}  # fmt: skip
    if log_level:
        logger.log(log_level, "%s lifecycle event %s", type(obj).__name__, record)
    if getattr(obj, "lifecycle_events", None) is None:
        obj.lifecycle_events = []
    obj.lifecycle_events.append(record)
