"""Sales models: orders and their lines; the pipeline (leads, stages, opportunities)."""

from dangol.sales.models.orders import Order, OrderLine
from dangol.sales.models.pipeline import (
    AssignmentRule,
    Lead,
    Opportunity,
    OpportunityStageChange,
    PipelineStage,
)
from dangol.sales.models.work import Quote, QuoteLine, Task

__all__ = [
    "AssignmentRule",
    "Lead",
    "Opportunity",
    "OpportunityStageChange",
    "Order",
    "OrderLine",
    "PipelineStage",
    "Quote",
    "QuoteLine",
    "Task",
]
