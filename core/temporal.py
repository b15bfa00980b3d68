"""The one way to reach Temporal: every client, worker, test and replayer uses this converter.

Contracts carry `date` fields (action due dates), which the default JSON
converter cannot encode; pydantic handles dates, datetimes, enums and
dataclasses alike.

The SDK's pydantic converter caches its TypeAdapters per converter instance, and
the workflow sandbox makes a new instance for every workflow run: each review's
first task rebuilt the schema of ReviewInput, most of the CPU a kickoff of
thousands spent (bench/kickoff.py). Here the adapters are cached once per process.
That is safe: an adapter is a pure function of its type, and the types are our
contracts, which the sandbox passes through rather than re-importing per run.
The bytes are the stock converter's (`pydantic_core.to_json`), so histories
recorded with it replay unchanged.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import to_json
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    EncodingPayloadConverter,
    JSONPlainPayloadConverter,
)


@functools.lru_cache(maxsize=256)
def type_adapter(hint: Any) -> TypeAdapter[Any]:
    return TypeAdapter(hint)


class PydanticJson(EncodingPayloadConverter):
    """json/plain through pydantic, with one TypeAdapter per type for the process."""

    @property
    def encoding(self) -> str:
        return "json/plain"

    def to_payload(self, value: Any) -> Payload | None:
        return Payload(metadata={"encoding": self.encoding.encode()}, data=to_json(value))

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        hint = Any if type_hint is None else type_hint
        try:
            adapter = type_adapter(hint)
        except TypeError:  # an unhashable hint cannot be cached
            adapter = TypeAdapter(hint)
        return adapter.validate_json(payload.data)


class PayloadConverter(CompositePayloadConverter):
    """The SDK's default converters, with JSON through `PydanticJson`."""

    def __init__(self) -> None:
        super().__init__(
            *(
                PydanticJson() if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


DATA_CONVERTER = DataConverter(payload_converter_class=PayloadConverter)


async def connect(address: str, namespace: str = "default") -> Client:
    return await Client.connect(address, namespace=namespace, data_converter=DATA_CONVERTER)
