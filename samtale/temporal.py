"""The one way to reach Temporal: every client, worker, test and replayer uses this converter.

Contracts carry `date` fields (action due dates), which the default JSON
converter cannot encode; the pydantic converter handles dates, datetimes,
enums and dataclasses alike.
"""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

DATA_CONVERTER = pydantic_data_converter


async def connect(address: str, namespace: str = "default") -> Client:
    return await Client.connect(address, namespace=namespace, data_converter=DATA_CONVERTER)
