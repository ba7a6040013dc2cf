"""Pydantic models that define the REST contract of ``{base_url}mlops/``.

Each model is mirrored one to one by an ``I*`` interface in ``labextension/src/tokens.ts``;
change both together.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ModelSummary(BaseModel):
    """One registered model, with the model-card fields stored as its tags."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    owner: str | None = None
    use_case: str | None = None
    risk_tier: str | None = None
    stage: str | None = None
    latest_version: str | None = None
    aliases: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    updated_at: int | None = None
    """Milliseconds since the epoch, as MLflow reports it."""


class ListModelsResponse(BaseModel):
    """Body of ``GET mlops/models``."""

    models: list[ModelSummary]


class HealthResponse(BaseModel):
    """Body of ``GET mlops/health``."""

    version: str
    tracking_uri: str


class ErrorResponse(BaseModel):
    """Body of every error answer: a stable code and a message for the user."""

    error: str
    message: str
