"""Deploy the CloudFormation template into a real moto server and check what actually exists.

CREATE_COMPLETE proves little against the emulator (it silently skips secrets, bucket policies,
versioning, public access blocks...), so every check below reads the deployed resources back
through their own service APIs. The IAM checks evaluate the deployed role policies against the
real ARNs of the created secrets (Allow statements, IAM wildcards; conditions not evaluated).
What the emulator cannot run: the App Runner service (the local deploy leaves it out with
DeployApiService=false) and ECR's encryption setting (moto drops it at creation).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.utils.aws import FAKE_AWS_ENV, start_moto_server
from trending_now.config import Settings
from trending_now.enrich.prompts import PromptTemplate, load_repo_prompts
from trending_now.ops.infra.bootstrap import reconcile
from trending_now.ops.infra.deploy import session
from trending_now.ops.infra.local import LocalDeployment, deploy_to_emulator

pytestmark = pytest.mark.integration

TMDB_KEY = "infra-test-tmdb-key-0123456789"
# Unfixable in the emulator: moto ignores ECR's EncryptionConfiguration, set only at creation.
EMULATOR_GAPS = {("ApiRepository", "EncryptionConfiguration")}


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with start_moto_server(Path(tmp_path_factory.mktemp("moto"))) as url:
        yield url


@pytest.fixture(scope="module")
def deployment(moto_url: str) -> LocalDeployment:
    return deploy_to_emulator(moto_url, _settings(), credentials=FAKE_AWS_ENV)


def _settings() -> Settings:
    return Settings(tmdb_api_key=TMDB_KEY, llm_api_key=None)


def _client(moto_url: str, name: str) -> Any:
    return boto3.client(
        name,
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id=FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    )


def _statements(moto_url: str, role: str) -> list[dict[str, Any]]:
    iam = _client(moto_url, "iam")
    out: list[dict[str, Any]] = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        out += doc["Statement"]
    assert not iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    return out


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def allowed(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    """Is `action` on `resource` allowed by some Allow statement (IAM `*`/`?` wildcards)?"""
    for st in statements:
        if st["Effect"] != "Allow":
            continue
        actions = _as_list(st["Action"])
        resources = _as_list(st["Resource"])
        if any(fnmatch.fnmatchcase(action, a) for a in actions) and any(
            fnmatch.fnmatchcase(resource, r) for r in resources
        ):
            return True
    return False


def test_bucket_is_versioned_encrypted_private_and_tls_only(
    deployment: LocalDeployment, moto_url: str
) -> None:
    s3 = _client(moto_url, "s3")
    bucket = deployment.deployed.outputs["DataBucketName"]
    key_arn = deployment.deployed.outputs["DataKeyArn"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    default = rules[0]["ApplyServerSideEncryptionByDefault"]
    assert default == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    deny = [st for st in policy["Statement"] if st["Effect"] == "Deny"]
    assert len(deny) == 1
    assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(deny[0]["Resource"]) == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}
    assert deny[0]["Action"] == "s3:*" and deny[0]["Principal"] == "*"
    kms = _client(moto_url, "kms")
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True


def test_secrets_exist_encrypted_with_values_only_where_due(
    deployment: LocalDeployment, moto_url: str
) -> None:
    sm = _client(moto_url, "secretsmanager")
    out = deployment.deployed.outputs
    key_id = out["DataKeyArn"].rsplit("/", 1)[1]
    names = [out[k] for k in out if k.endswith("SecretName")]
    names.append(out["PromptsSecretPrefix"] + "/enrich")
    for name in names:
        described = sm.describe_secret(SecretId=name)
        assert described["KmsKeyId"].endswith(key_id), name

    assert sm.get_secret_value(SecretId=out["TmdbApiKeySecretName"])["SecretString"] == TMDB_KEY
    salt = sm.get_secret_value(SecretId=out["PseudonymSaltSecretName"])["SecretString"]
    assert len(salt) == 48 and salt.isalnum(), "generated like GenerateSecretString says"
    stored = sm.get_secret_value(SecretId=out["PromptsSecretPrefix"] + "/enrich")["SecretString"]
    repo_prompt = load_repo_prompts(Settings().project_dir / "prompts")["enrich"]
    assert PromptTemplate.model_validate_json(stored) == repo_prompt
    for empty in ("LlmApiKeySecretName", "ServingDbUrlSecretName"):  # set by the operator
        with pytest.raises(sm.exceptions.ResourceNotFoundException):
            sm.get_secret_value(SecretId=out[empty])
    assert deployment.report.secrets[out["LlmApiKeySecretName"]] == "empty"
    # The report says what was set, never the values.
    assert TMDB_KEY not in repr(deployment.report) and salt not in repr(deployment.report)


def test_roles_reach_only_their_own_secrets_and_prefix(
    deployment: LocalDeployment, moto_url: str
) -> None:
    out = deployment.deployed.outputs
    sm = _client(moto_url, "secretsmanager")
    arn = {k: sm.describe_secret(SecretId=out[k])["ARN"] for k in out if k.endswith("SecretName")}
    arn["prompt"] = sm.describe_secret(SecretId=out["PromptsSecretPrefix"] + "/enrich")["ARN"]
    api = _statements(moto_url, out["ApiInstanceRoleArn"].rsplit("/", 1)[1])
    pipeline = _statements(moto_url, out["PipelineRoleArn"].rsplit("/", 1)[1])

    read = "secretsmanager:GetSecretValue"
    assert allowed(api, read, arn["ServingDbUrlSecretName"])
    for other in ("TmdbApiKeySecretName", "LlmApiKeySecretName", "PseudonymSaltSecretName"):
        assert not allowed(api, read, arn[other]), other
        assert allowed(pipeline, read, arn[other]), other
    assert not allowed(api, read, arn["prompt"])
    assert allowed(pipeline, read, arn["prompt"])
    assert not allowed(pipeline, read, arn["ServingDbUrlSecretName"])
    assert not any(
        allowed(pipeline, a, arn["prompt"])
        for a in ("secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret")
    ), "the pipeline reads prompts; publishing them is the operator's job"

    bucket = out["DataBucketName"]
    prefix = out["DvcRemoteUrl"].split(f"s3://{bucket}/", 1)[1]
    inside, outside = f"arn:aws:s3:::{bucket}/{prefix}/files/md5/ab/c", f"arn:aws:s3:::{bucket}/x"
    for action in ("s3:GetObject", "s3:PutObject"):
        assert allowed(pipeline, action, inside)
        assert not allowed(pipeline, action, outside)
        assert not allowed(api, action, inside)
    assert not allowed(pipeline, "s3:DeleteObject", inside)
    listing = [st for st in pipeline if "s3:ListBucket" in _as_list(st["Action"])]
    assert listing and all(
        st["Condition"]["StringLike"]["s3:prefix"] == [prefix, f"{prefix}/*"] for st in listing
    )
    # Nothing is granted on every resource except ECR's login (in the App Runner pull role).
    assert all("*" not in _as_list(st["Resource"]) for st in api + pipeline)
    # The data key is usable only through S3 and Secrets Manager, never directly.
    kms = [st for st in api + pipeline if any(a.startswith("kms:") for a in _as_list(st["Action"]))]
    assert kms and all("kms:ViaService" in st["Condition"]["StringEquals"] for st in kms)


def test_repository_is_immutable_and_scanned(deployment: LocalDeployment, moto_url: str) -> None:
    ecr = _client(moto_url, "ecr")
    uri = deployment.deployed.outputs["ApiRepositoryUri"]
    repo = ecr.describe_repositories(repositoryNames=[uri.rsplit("/", 1)[1]])["repositories"][0]
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True


def test_bootstrap_again_changes_nothing_and_app_runner_is_left_out(
    deployment: LocalDeployment, moto_url: str
) -> None:
    first_unfixed = {(f.resource, f.what) for f in deployment.report.unfixed}
    assert first_unfixed <= EMULATOR_GAPS, deployment.report.unfixed
    sm = _client(moto_url, "secretsmanager")
    salt_name = deployment.deployed.outputs["PseudonymSaltSecretName"]
    salt = sm.get_secret_value(SecretId=salt_name)["SecretString"]

    again = deploy_to_emulator(moto_url, _settings(), credentials=FAKE_AWS_ENV)
    assert [f for f in again.report.findings if f.fixed] == [], "second run applies nothing"
    assert set(again.report.secrets.values()) <= {"unchanged", "empty"}
    assert sm.get_secret_value(SecretId=salt_name)["SecretString"] == salt, "salt kept"
    assert "ApiService" not in again.deployed.context.physical_ids
    assert "ApiServiceUrl" not in again.deployed.outputs


def test_verify_mode_reports_drift_and_never_removes_rights(
    deployment: LocalDeployment, moto_url: str
) -> None:
    s3, iam = _client(moto_url, "s3"), _client(moto_url, "iam")
    bucket = deployment.deployed.outputs["DataBucketName"]
    role = deployment.deployed.outputs["ApiInstanceRoleArn"].rsplit("/", 1)[1]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    broad = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    extra = {"Version": "2012-10-17", "Statement": [broad]}
    iam.put_role_policy(RoleName=role, PolicyName="too-broad", PolicyDocument=json.dumps(extra))
    sess = session("us-east-1", FAKE_AWS_ENV)
    try:
        report = reconcile(sess, moto_url, deployment.deployed, fix=False)
        found = {(f.resource, f.what) for f in report if not f.fixed}
        assert ("DataBucket", "VersioningConfiguration") in found
        assert ("ApiInstanceRole", "Policies/too-broad") in found
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended", "report only"

        fixed = reconcile(sess, moto_url, deployment.deployed, fix=True)
        assert ("ApiInstanceRole", "Policies/too-broad") in {
            (f.resource, f.what) for f in fixed if not f.fixed
        }, "an undeclared right is reported, never silently kept or removed"
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    finally:
        iam.delete_role_policy(RoleName=role, PolicyName="too-broad")
