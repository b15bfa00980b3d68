"""Bulk activities pace their own sends; while a send waits its turn, the activity heartbeats
with the details it last gave, so neither the heartbeat timeout nor its resume point is lost."""

from __future__ import annotations

from temporalio.testing import ActivityEnvironment

from activities.mail.mailer import Heartbeat
from activities.mail.smtp import RateLimit


async def test_a_paced_send_beats_while_it_waits_its_turn() -> None:
    limit = RateLimit(per_second=2.0)  # one send every 0.5 s
    beats: list[str] = []
    await limit.wait(lambda: beats.append("first"))  # its turn at once: no wait, no beat
    await limit.wait(lambda: beats.append("second"))
    assert beats == ["second"]


async def test_a_repeated_heartbeat_carries_the_last_details() -> None:
    seen: list[tuple[object, ...]] = []
    env = ActivityEnvironment()
    env.on_heartbeat = lambda *details: seen.append(details)

    def work() -> None:
        heartbeat = Heartbeat()
        heartbeat.beat("m-10", "e-100", 3)
        heartbeat.again()

    env.run(work)
    assert seen == [("m-10", "e-100", 3), ("m-10", "e-100", 3)]
