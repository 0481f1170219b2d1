"""The base of every result model: plain data, unknown keys refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A result model: JSON-serializable fields only; unknown keys are an error."""

    model_config = ConfigDict(extra="forbid")
