"""`/api/model-card`, `/api/enrichment-card`, `/api/mltestscore`: the governance documents
published with the current build."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from services.api import queries
from services.api.deps import ViewDep
from services.api.schemas import EnrichmentCard, MLTestScorePublic, ModelCard

router = APIRouter(tags=["governance"])
NOT_PUBLISHED: dict[int | str, dict[str, object]] = {
    404: {"description": "Not published with this build; `detail` says why"}
}


@router.get("/model-card", response_model=ModelCard, responses=NOT_PUBLISHED)
async def read_model_card(view: ViewDep) -> Response:
    """The production model's governance card (Markdown too), gate decision and metrics."""
    return await view.json(queries.get_model_card)


@router.get("/enrichment-card", response_model=EnrichmentCard, responses=NOT_PUBLISHED)
async def read_enrichment_card(view: ViewDep) -> Response:
    """The card of the LLM enrichment run behind the published AI fields."""
    return await view.json(queries.get_enrichment_card)


@router.get("/mltestscore", response_model=MLTestScorePublic, responses=NOT_PUBLISHED)
async def read_mltestscore(view: ViewDep) -> Response:
    """The ML Test Score of the pipeline: tests per section, section scores, final score."""
    return await view.json(queries.get_mltestscore)
