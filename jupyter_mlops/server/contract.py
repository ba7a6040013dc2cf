"""Every model of the REST contract, in the order ``tokens.ts`` mirrors them."""

from __future__ import annotations

from pydantic import BaseModel

from . import models as m
from .schedule_models import SCHEDULE_CONTRACT

CONTRACT: tuple[type[BaseModel], ...] = (
    m.ModelSummary,
    m.ListModelsResponse,
    m.ReplayInfo,
    m.ModelVersionInfo,
    m.DescribeModel,
    m.DescribeReceipt,
    m.DescribeCard,
    m.UpdateCard,
    m.DescribeCardSchema,
    m.ParameterInfo,
    m.DescribeParameters,
    m.CreateJob,
    m.CreateJobResponse,
    m.DescribeJob,
    m.ListJobsResponse,
    m.FetchJobOutputResponse,
    m.InventoryRow,
    m.ListInventoryResponse,
    m.HealthResponse,
    m.DescribeConfig,
    *SCHEDULE_CONTRACT,
    m.ErrorResponse,
)
