"""Field types shared by every content model (modules, cases and the item types in ``cpd.items``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
Text = Annotated[str, Field(min_length=1)]


class Strict(BaseModel):
    """Unknown keys are typos in content; reject them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
