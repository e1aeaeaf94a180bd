"""Seed a :class:`~mjtui.fake.app.FakeApimart` with demo jobs in every state at once.

Submit times are backdated against the fake's clock so that, right after
seeding, the store holds: a finished imagine grid, an upscaled single from it,
a MODAL task (Vary (Region) on that single, awaiting input), a failed job, a
stalled job (stuck at 85 %), a running job (~40 %, done in about two
minutes of real time) and a queued one; then a finished describe (four suggested
prompts) and a finished two-clip video of the upscaled single.  All belong to
:data:`DEMO_TOKEN`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .app import FakeApimart
from .jobs import DESCRIBE, GRID, INSTANT_RUN, SINGLE, VIDEO

DEMO_TOKEN = "sk-demo-not-a-secret"
DESCRIBE_TEXT = (
    "1️⃣ a lone lighthouse on a rocky cliff at dusk, golden volumetric light --ar 3:2\n\n"
    "2️⃣ coastal landscape painting, lighthouse beam over a stormy sea, moody --ar 3:2\n\n"
    "3️⃣ cinematic still of a white lighthouse, warm sunset haze, matte painting --ar 3:2\n\n"
    "4️⃣ a lighthouse keeper's view at twilight, soft rim light, oil on canvas --ar 3:2"
)


@dataclass(frozen=True)
class DemoJob:
    """One seeded job: its id, its parent (for the tree view), action and a label."""

    id: str
    parent_id: str | None
    action: str
    label: str
    prompt: str


def seed_demo_jobs(fake: FakeApimart) -> list[DemoJob]:
    """Create the demo jobs (oldest first) and return their descriptions."""
    fake.tokens.add(DEMO_TOKEN)
    now = fake.clock()
    out: list[DemoJob] = []

    def add(label: str, action: str, prompt: str, ago: float, kind: str = GRID,
            **fields: Any) -> str:
        fields.setdefault("description", f"/{action.lower()} {prompt}")
        job = fake.create_job(DEMO_TOKEN, action, prompt, kind, submitted_at=now - ago,
                              speed="fast", **fields)
        out.append(DemoJob(job.id, job.parent_id, action, label, prompt))
        return job.id

    grid_prompt = "a lighthouse on a cliff at dusk, volumetric light --ar 3:2 --v 7"
    grid = add("finished grid", "IMAGINE", grid_prompt, 3600, queue_s=4, run_s=45)
    grid_job = fake.job(grid)
    single = add("U2 of the lighthouse grid", "UPSCALE", grid_prompt, 3300, SINGLE,
                 parent_id=grid, image_key=grid_job.image_key,
                 image_prompt=grid_job.image_prompt, tile=1, queue_s=0.0,
                 run_s=INSTANT_RUN, markers=False)
    add("failed: banned prompt", "IMAGINE",
        "portrait of a boxer after the fight, dramatic rim light --fail bruised", 2400,
        queue_s=3, run_s=30)
    add("Vary (Region): awaiting input", "INPAINT", grid_prompt, 300, parent_id=single,
        awaits_modal=True)
    add("stalled at 85%", "IMAGINE",
        "a glass whale drifting over a desert city at golden hour --stall", 2 + 34 + 60,
        queue_s=2, run_s=40)
    add("running (~40%)", "IMAGINE", "a koi pond in autumn, ukiyo-e woodblock print --niji 6",
        2 + 80, queue_s=2, run_s=200)
    add("queued", "IMAGINE",
        "isometric cutaway of a cozy underground bakery, warm lamplight, tiny figures", 5,
        queue_s=60, run_s=90)
    add("describe of the lighthouse", "DESCRIBE", DESCRIBE_TEXT, 3000, DESCRIBE,
        description=DESCRIBE_TEXT, queue_s=0.0, run_s=2.0, markers=False)
    add("video of U2 (2 clips)", "VIDEO", grid_prompt, 2800, VIDEO, parent_id=single,
        batch_size=2, queue_s=5, run_s=60, description="/video motion=low")
    return out


def seed_demo(fake: FakeApimart) -> list[str]:
    """Seed the demo jobs and return their task ids, oldest first."""
    return [job.id for job in seed_demo_jobs(fake)]
