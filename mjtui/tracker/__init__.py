"""Which task to poll when, and how the API is doing. Pure asyncio, no Textual.

`polling` holds the `Tracker` (scheduling and applying each poll's answer), `updates` the
per-task state and the `TaskUpdate` it reports, `pacing` intervals, jitter, backoff and the
429 gate, `health` the API-wide `Health` and the idle health check. The names below are the
package's public surface.
"""

from mjtui.tracker.health import Health, HealthState
from mjtui.tracker.polling import Tracker
from mjtui.tracker.updates import TaskSource, TaskUpdate

__all__ = ["Health", "HealthState", "TaskSource", "TaskUpdate", "Tracker"]
