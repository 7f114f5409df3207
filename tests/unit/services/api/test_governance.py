"""/api/model-card, /api/enrichment-card and /api/mltestscore: the governance documents copied
into the serving build at publish time (both backends)."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from services.api.deps import ServingStore
from services.api.main import create_app
from tests.utils.serving import publish_small, write_governance
from trending_now.config import Settings


def test_model_card_carries_the_governance_card_and_gate_decision(client: TestClient) -> None:
    body = client.get("/api/model-card").json()
    version = body["model_version"]
    assert body["card"]["name"] == "baseline-prior" and body["card"]["version"] == version
    assert body["card_source"] == f"governance/cards/baseline-prior/{version}.json"
    assert body["card"]["metrics"] == {"micro_f1": None}  # NaN is not JSON: published as null
    assert body["markdown"].startswith(f"# baseline-prior {version}")
    assert body["decision"]["decision"] == "promote"
    assert body["decision"]["checks"][0]["name"] == "beats_baseline"
    assert body["missing"] == {}
    assert body["summary"]["meta"]["name"] == "baseline-prior"


def test_enrichment_card_and_ml_test_score(client: TestClient) -> None:
    enrichment = client.get("/api/enrichment-card")
    assert enrichment.status_code == 200
    assert enrichment.json() == {"provider": "embedded", "model": "all-MiniLM-L6-v2",
                                 "marker": "m1"}  # fmt: skip
    score = client.get("/api/mltestscore").json()
    assert set(score["sections"]) == {"data", "model", "infrastructure", "monitoring"}
    assert score["final"] == 2.5 and score["sections"]["data"]["tests"][0]["automated"] is True


def test_missing_documents_say_why_and_a_publish_swaps_them_in(fresh_settings: Settings) -> None:
    root, url = fresh_settings.project_dir, fresh_settings.serving_db_url
    first = publish_small(root, n=4, url=url)  # no governance directory
    with TestClient(create_app(fresh_settings)) as client:
        missing = client.get("/api/enrichment-card")
        assert missing.status_code == 404
        assert missing.json()["detail"] == "no governance directory given"
        assert client.get("/api/mltestscore").status_code == 404
        card = client.get("/api/model-card").json()
        assert card["card_source"] == "summary" and card["decision"] is None
        assert set(card["missing"]) == {"model_card", "gate_decision"}

        assert first.model_name and first.model_version
        write_governance(root, first.model_name, first.model_version, marker="m2")
        (root / "governance" / "mltestscore.json").write_text('{"final": "high"}')
        publish_small(root, n=4, url=url, governance=True)
        time.sleep(ServingStore.POINTER_TTL_S)  # Postgres: the pointer is re-read by then
        # The same app, no restart: the new build's documents, not cached old answers.
        assert client.get("/api/enrichment-card").json()["marker"] == "m2"
        assert client.get("/api/model-card").json()["decision"]["decision"] == "promote"
        malformed = client.get("/api/mltestscore")
        assert malformed.status_code == 404
        assert "does not have the mltestscore shape" in malformed.json()["detail"]
