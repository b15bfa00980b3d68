"""When an import needs HR to confirm it: a file that would take too many people away, or
cancel reviews under way, is far more often a truncated export than a reorganisation.

A confirmation is a digest of the file and of what it would do, so it confirms exactly
the changes HR was shown: if the organisation changed since the preview, the same
confirmation no longer fits and HR gets a fresh preview instead of a surprise.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def reasons(*, active: int, leavers: int, cancels: int, max_leaver_share: float) -> list[str]:
    """Why the import needs confirming; none when it may apply at once. More than
    `max_leaver_share` of the active employees leaving needs it (exactly that share does
    not), and so does any open review it would cancel."""
    out = []
    if leavers > max_leaver_share * active:
        share = leavers / active if active else 1.0
        out.append(
            f"{leavers} of {active} active employees ({share:.0%}) would leave; "
            f"more than {max_leaver_share:.0%} needs confirming"
        )
    if cancels:
        out.append(f"{cancels} open review(s) would be cancelled")
    return out


def confirmation(preview: dict[str, Any]) -> str:
    """The token that confirms this preview: SHA-256 of its canonical JSON."""
    canonical = json.dumps(preview, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
