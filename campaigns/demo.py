"""Demo flows for ``seed_demo``: every flow on, with delays of a minute or two, so a
newcomer sees messages in the admin and ``var/mail/`` within minutes of ``make run``."""

from campaigns.flows.seeds import FLOWS, seed
from campaigns.models import Flow, MessageTemplate

DEMO_DELAY_MINUTES = 1


def demo_flows() -> int:
    """Seed the flows and their templates, switch them on with short delays; how many."""
    seed(Flow, MessageTemplate)
    for code, spec in FLOWS.items():
        steps = [
            {**step, "delay_minutes": DEMO_DELAY_MINUTES, "window": None} for step in spec["steps"]
        ]
        Flow.objects.filter(code=code).update(
            enabled=True, steps=steps, store_delay_days=0, web_delay_days=0
        )
    return len(FLOWS)
