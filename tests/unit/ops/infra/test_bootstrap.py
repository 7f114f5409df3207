"""Pure helpers of the bootstrap: how declared and reported configurations are compared."""

from __future__ import annotations

import pytest

from trending_now.ops.infra.bootstrap import _lifecycle_rule, _same_document, _subset
from trending_now.ops.infra.template import TemplateError


def test_subset_accepts_fields_aws_adds_but_not_missing_or_different_ones() -> None:
    want = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert _subset(want, {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced", "X": 1}]})
    assert not _subset(want, {"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    assert not _subset(want, None)
    assert not _subset([1], [1, 2]), "an extra rule is a different configuration"


def test_policy_documents_must_match_exactly() -> None:
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}
    assert _same_document(doc, {"Statement": doc["Statement"], "Version": "2012-10-17"})
    wider = {**doc, "Statement": [*doc["Statement"], {"Effect": "Allow", "Action": "s3:*"}]}
    assert not _same_document(doc, wider)


def test_lifecycle_rule_maps_to_the_s3_api_shape_and_refuses_unknown_fields() -> None:
    rule = {
        "Id": "r",
        "Status": "Enabled",
        "NoncurrentVersionExpiration": {"NoncurrentDays": "90"},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    }
    assert _lifecycle_rule(rule) == {
        "ID": "r",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 90},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    }
    with pytest.raises(TemplateError, match="Transitions"):
        _lifecycle_rule({**rule, "Transitions": []})
