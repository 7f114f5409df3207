"""The CloudFormation template: cfn-lint clean, no secret values, and the resolver the bootstrap
uses to compare deployed resources with it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from cfnlint.api import lint

from trending_now.ops.infra.template import (
    TEMPLATE_PATH,
    StackContext,
    TemplateError,
    load_template,
    parameter_values,
)

# Regions where App Runner exists (cfn-lint checks every resource type against each).
APP_RUNNER_REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1"]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE_PATH)


def _context(template: dict[str, Any], **params: str) -> StackContext:
    physical = {"DataKey": "key-1", "DataBucket": "bucket-1", "ApiRepository": "repo-1"}
    return StackContext(
        template, parameter_values(template, params), physical, "111122223333", "eu-west-1", "s"
    )


def test_cfn_lint_passes_and_catches_an_invalid_value() -> None:
    text = TEMPLATE_PATH.read_text()
    assert [str(m) for m in lint(text, regions=APP_RUNNER_REGIONS)] == []
    broken = text.replace("ImageTagMutability: IMMUTABLE", "ImageTagMutability: SOMETIMES")
    assert any(m.rule.id == "E3030" for m in lint(broken, regions=["us-east-1"]))


def test_no_secret_value_is_in_the_template(template: dict[str, Any]) -> None:
    secrets = {k: r for k, r in template["Resources"].items() if r["Type"].endswith("::Secret")}
    assert len(secrets) == 5
    for name, resource in secrets.items():
        props = resource["Properties"]
        assert "SecretString" not in props, name
        assert "KmsKeyId" in props, f"{name} must use the customer-managed key"
    text = TEMPLATE_PATH.read_text()
    assert not re.search(r"(?i)(password|token|key)\s*:\s*['\"]?[A-Za-z0-9/+]{24,}", text)


def test_app_runner_is_optional_and_runs_as_the_api_role(template: dict[str, Any]) -> None:
    service = template["Resources"]["ApiService"]
    assert service["Condition"] == "CreateApiService"
    assert template["Resources"]["ApiImagePullRole"]["Condition"] == "CreateApiService"
    assert template["Outputs"]["ApiServiceUrl"]["Condition"] == "CreateApiService"
    instance = service["Properties"]["InstanceConfiguration"]
    assert instance["InstanceRoleArn"] == {"Fn::GetAtt": ["ApiInstanceRole", "Arn"]}
    assert _context(template).condition("CreateApiService") is True
    assert _context(template, DeployApiService="false").condition("CreateApiService") is False


def test_repository_is_immutable_and_scanned_on_push(template: dict[str, Any]) -> None:
    props = template["Resources"]["ApiRepository"]["Properties"]
    assert props["ImageTagMutability"] == "IMMUTABLE"
    assert props["ImageScanningConfiguration"] == {"ScanOnPush": True}


def test_resolve_sub_ref_and_getatt(template: dict[str, Any]) -> None:
    ctx = _context(template, EnvironmentName="prod")
    assert ctx.resolve({"Fn::Sub": "${ProjectName}-${EnvironmentName}-${AWS::Region}"}) == (
        "trending-now-prod-eu-west-1"
    )
    assert ctx.resolve({"Fn::Sub": "arn:${AWS::Partition}:s3:::${DataBucket}/*"}) == (
        "arn:aws:s3:::bucket-1/*"
    )
    assert ctx.resolve({"Fn::GetAtt": ["DataKey", "Arn"]}) == (
        "arn:aws:kms:eu-west-1:111122223333:key/key-1"
    )
    assert ctx.resolve({"Fn::Sub": ["${X}/${!Literal}", {"X": {"Ref": "DataPrefix"}}]}) == (
        "dvc/${Literal}"
    )
    assert ctx.resolve([{"Ref": "AWS::AccountId"}]) == ["111122223333"]


def test_resolver_refuses_what_it_cannot_know(template: dict[str, Any]) -> None:
    ctx = _context(template)
    with pytest.raises(TemplateError, match="ApiService"):
        ctx.resolve({"Ref": "ApiService"})  # not created: no physical id
    with pytest.raises(TemplateError, match="Fn::FindInMap"):
        ctx.resolve({"Fn::FindInMap": ["a", "b", "c"]})
    with pytest.raises(TemplateError, match="unknown parameters"):
        parameter_values(template, {"NoSuchParameter": "x"})
