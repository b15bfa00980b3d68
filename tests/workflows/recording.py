"""Save histories for the replay guard: `SAMTALE_RECORD_HISTORIES=1 pytest tests/workflows`.

Record only when the workflow code is the released one: a history saved today
is what tomorrow's code must still replay.
"""

from __future__ import annotations

import os
from pathlib import Path

HISTORIES = Path(__file__).parent / "histories"


def record_history(name: str, history_json: str) -> None:
    if os.environ.get("SAMTALE_RECORD_HISTORIES"):
        (HISTORIES / f"{name}.json").write_text(history_json)
