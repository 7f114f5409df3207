"""`/api/model-card`: the production model behind the published predictions."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from services.api import queries
from services.api.deps import ServingDb
from services.api.schemas import ModelCard

router = APIRouter(tags=["model"])


@router.get("/model-card", responses={404: {"description": "No model card published"}})
def read_model_card(db: ServingDb) -> ModelCard:
    """Metrics summary and metadata of the model, or the reason no model was published."""
    card = queries.get_model_card(db)
    if card is None:
        raise HTTPException(status_code=404, detail="No model card published")
    return card
