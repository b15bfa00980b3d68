"""Histories of reviews run by earlier code must replay on today's code (reviews last a year).

A failure here means a change altered the command sequence of a running review:
guard it with workflow.patched() and keep the old path. New histories are saved
with `SAMTALE_RECORD_HISTORIES=1 pytest tests/workflows`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from core.temporal import DATA_CONVERTER
from samtale.worker import WORKFLOWS
from tests.workflows.recording import HISTORIES as RECORDED

HISTORIES = sorted(RECORDED.glob("*.json"))


def test_there_are_saved_histories_to_replay() -> None:
    assert HISTORIES, "no saved histories: the replay guard would pass vacuously"


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_a_saved_history_replays_on_the_current_code(path: Path) -> None:
    raw = path.read_text()
    workflow_id = json.loads(raw)["events"][0]["workflowExecutionStartedEventAttributes"].get(
        "workflowId", path.stem
    )
    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=DATA_CONVERTER)
    await replayer.replay_workflow(WorkflowHistory.from_json(workflow_id, raw))
