"""After a deploy: check that what the template declares exists, and set the secret values.

Two jobs, both idempotent:

1. **Check what exists** (`reconcile`). For every resource of the template, read the deployed
   resource through its service API and compare it with the declared properties. A deploy's
   CREATE_COMPLETE is not evidence: the local AWS emulator (moto) reports it while silently
   skipping Secrets Manager secrets, bucket policies, S3 versioning, public access blocks,
   ownership controls and lifecycle rules. With `fix=True` (the default against the emulator)
   what is missing is applied through the same APIs; against real AWS the default is to report
   only, since changes outside CloudFormation would drift the stack.
2. **Set the values that never belong in a template** (`seed_secrets`): the prompt templates from
   `prompts/`, and the TMDb and LLM keys when they are configured (TRENDING_TMDB_API_KEY,
   TRENDING_LLM_API_KEY). Values are never logged or returned, only whether each was set.

Bucket and repository tags, role descriptions and other labels are not compared.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from trending_now.config import Settings
from trending_now.ops.infra.deploy import Deployed
from trending_now.ops.infra.template import StackContext, TemplateError
from trending_now.paths import Paths

log = logging.getLogger(__name__)

# AWS::SecretsManager::Secret GenerateSecretString keys that GetRandomPassword takes as is.
_PASSWORD_OPTIONS = (
    "PasswordLength",
    "ExcludeCharacters",
    "ExcludeNumbers",
    "ExcludePunctuation",
    "ExcludeUppercase",
    "ExcludeLowercase",
    "IncludeSpace",
    "RequireEachIncludedType",
)


@dataclass(frozen=True)
class Finding:
    """A declared property that was not as declared: applied (`fixed`) or still missing."""

    resource: str
    what: str
    detail: str
    fixed: bool


@dataclass
class BootstrapReport:
    """What the bootstrap found and did; secret values never appear in it."""

    findings: list[Finding] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)  # name -> set|unchanged|empty

    @property
    def unfixed(self) -> list[Finding]:
        return [f for f in self.findings if not f.fixed]


def _subset(want: Any, have: Any) -> bool:
    """True if `have` holds everything `want` declares (AWS adds fields of its own)."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(_subset(v, have.get(k)) for k, v in want.items())
    if isinstance(want, list):
        return (
            isinstance(have, list)
            and len(want) == len(have)
            and all(_subset(w, h) for w, h in zip(want, have, strict=True))
        )
    return bool(want == have)


def _same_document(want: Any, have: Any) -> bool:
    """Policy documents: exactly equal (an extra statement is a different policy)."""
    return json.dumps(want, sort_keys=True) == json.dumps(have, sort_keys=True)


def _document(raw: Any) -> Any:
    """A policy document from an API response: JSON text (AWS) or already a dict (moto)."""
    return json.loads(raw) if isinstance(raw, str) else raw


def _get(call: Callable[[], dict[str, Any]], key: str) -> Any:
    """`call()[key]`, or None when the service says the configuration does not exist."""
    try:
        return call()[key]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code.startswith("NoSuch") or code.endswith("NotFoundError") or "NotFound" in code:
            return None
        raise


class _Checker:
    """Compares one stack's declared resources with what its services report."""

    def __init__(self, sess: Any, endpoint_url: str | None, ctx: StackContext, *, fix: bool):
        self.ctx = ctx
        self.fix = fix
        self.findings: list[Finding] = []
        self._sess, self._endpoint_url = sess, endpoint_url

    def _client(self, name: str) -> Any:
        return self._sess.client(name, endpoint_url=self._endpoint_url)

    def compare(
        self,
        resource: str,
        what: str,
        ok: bool,
        apply: Callable[[], Any] | None,
        detail: str,
    ) -> None:
        if ok:
            return
        if self.fix and apply is not None:
            apply()
            self.findings.append(Finding(resource, what, detail, True))
        else:
            self.findings.append(Finding(resource, what, detail, False))

    def run(self) -> list[Finding]:
        handlers: dict[str, Callable[[str, dict[str, Any]], None]] = {
            "AWS::KMS::Key": self.kms_key,
            "AWS::KMS::Alias": self.kms_alias,
            "AWS::S3::Bucket": self.bucket,
            "AWS::S3::BucketPolicy": self.bucket_policy,
            "AWS::SecretsManager::Secret": self.secret,
            "AWS::IAM::Role": self.role,
            "AWS::ECR::Repository": self.repository,
            "AWS::AppRunner::Service": self.app_runner,
        }
        for logical, resource in self.ctx.template["Resources"].items():
            if "Condition" in resource and not self.ctx.condition(resource["Condition"]):
                continue
            kind = resource["Type"]
            if kind not in handlers:
                raise TemplateError(f"{logical}: the bootstrap cannot check {kind} resources")
            handlers[kind](logical, self.ctx.resolve(resource.get("Properties", {})))
        return self.findings

    @staticmethod
    def _known(logical: str, props: dict[str, Any], known: set[str]) -> None:
        unknown = set(props) - known
        if unknown:  # a property the bootstrap would neither check nor apply: refuse
            raise TemplateError(f"{logical}: the bootstrap does not check {sorted(unknown)}")

    def _physical(self, logical: str) -> str | None:
        return self.ctx.physical_ids.get(logical)

    def kms_key(self, logical: str, props: dict[str, Any]) -> None:
        self._known(logical, props, {"Description", "EnableKeyRotation", "KeyPolicy", "Tags"})
        kms, key = self._client("kms"), self.ctx.ref(logical)
        rotation = kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"]
        want = bool(props.get("EnableKeyRotation", False))
        self.compare(
            logical,
            "EnableKeyRotation",
            rotation == want,
            (lambda: kms.enable_key_rotation(KeyId=key)) if want else None,
            f"rotation {rotation} -> {want}",
        )
        policy = _document(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
        self.compare(
            logical,
            "KeyPolicy",
            _same_document(props["KeyPolicy"], policy),
            lambda: kms.put_key_policy(
                KeyId=key, PolicyName="default", Policy=json.dumps(props["KeyPolicy"])
            ),
            "key policy differs from the template",
        )

    def kms_alias(self, logical: str, props: dict[str, Any]) -> None:
        self._known(logical, props, {"AliasName", "TargetKeyId"})
        kms = self._client("kms")
        aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
        self.compare(
            logical,
            "AliasName",
            aliases.get(props["AliasName"]) == props["TargetKeyId"],
            lambda: kms.create_alias(
                AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"]
            ),
            f"{props['AliasName']} -> {props['TargetKeyId']} missing",
        )

    def bucket(self, logical: str, props: dict[str, Any]) -> None:
        known = {
            "BucketName",
            "Tags",
            "VersioningConfiguration",
            "BucketEncryption",
            "PublicAccessBlockConfiguration",
            "OwnershipControls",
            "LifecycleConfiguration",
        }
        self._known(logical, props, known)
        s3, name = self._client("s3"), self.ctx.ref(logical)
        if "VersioningConfiguration" in props:
            want = props["VersioningConfiguration"]
            have = s3.get_bucket_versioning(Bucket=name).get("Status")
            self.compare(
                logical,
                "VersioningConfiguration",
                have == want["Status"],
                lambda: s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=want),
                f"versioning {have} -> {want['Status']}",
            )
        if "PublicAccessBlockConfiguration" in props:
            want = props["PublicAccessBlockConfiguration"]
            have = _get(
                lambda: s3.get_public_access_block(Bucket=name), "PublicAccessBlockConfiguration"
            )
            self.compare(
                logical,
                "PublicAccessBlockConfiguration",
                _subset(want, have),
                lambda: s3.put_public_access_block(
                    Bucket=name, PublicAccessBlockConfiguration=want
                ),
                f"public access block {have} -> {want}",
            )
        if "OwnershipControls" in props:
            want = props["OwnershipControls"]
            have = _get(lambda: s3.get_bucket_ownership_controls(Bucket=name), "OwnershipControls")
            self.compare(
                logical,
                "OwnershipControls",
                _subset(want, have),
                lambda: s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=want),
                f"ownership controls {have} -> {want}",
            )
        if "LifecycleConfiguration" in props:
            rules = [_lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
            have = _get(lambda: s3.get_bucket_lifecycle_configuration(Bucket=name), "Rules")
            self.compare(
                logical,
                "LifecycleConfiguration",
                _subset(rules, have),
                lambda: s3.put_bucket_lifecycle_configuration(
                    Bucket=name, LifecycleConfiguration={"Rules": rules}
                ),
                "lifecycle rules differ from the template",
            )
        if "BucketEncryption" in props:
            rules = [
                {
                    "ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"],
                    **(
                        {"BucketKeyEnabled": r["BucketKeyEnabled"]}
                        if "BucketKeyEnabled" in r
                        else {}
                    ),
                }
                for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            have = _get(
                lambda: s3.get_bucket_encryption(Bucket=name), "ServerSideEncryptionConfiguration"
            )
            self.compare(
                logical,
                "BucketEncryption",
                _subset(rules, (have or {}).get("Rules")),
                lambda: s3.put_bucket_encryption(
                    Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules}
                ),
                "default encryption differs from the template",
            )

    def bucket_policy(self, logical: str, props: dict[str, Any]) -> None:
        self._known(logical, props, {"Bucket", "PolicyDocument"})
        s3, bucket, want = self._client("s3"), props["Bucket"], props["PolicyDocument"]
        raw = _get(lambda: s3.get_bucket_policy(Bucket=bucket), "Policy")
        have = _document(raw) if raw else None
        self.compare(
            logical,
            "PolicyDocument",
            _same_document(want, have),
            lambda: s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(want)),
            "bucket policy missing or different",
        )

    def secret(self, logical: str, props: dict[str, Any]) -> None:
        known = {"Name", "Description", "KmsKeyId", "GenerateSecretString", "Tags"}
        self._known(logical, props, known)
        sm, name = self._client("secretsmanager"), props["Name"]
        try:
            described = sm.describe_secret(SecretId=name)
        except sm.exceptions.ResourceNotFoundException:
            described = None
        if described is None:
            self.compare(
                logical, "Secret", False, lambda: self._create_secret(props), f"{name} missing"
            )
            return
        if "KmsKeyId" in props:
            have = described.get("KmsKeyId") or ""
            want = props["KmsKeyId"]
            self.compare(
                logical,
                "KmsKeyId",
                have == want or have.endswith(f"/{want}"),
                lambda: sm.update_secret(SecretId=name, KmsKeyId=want),
                f"{name} encrypted with {have or 'the default key'}, not {want}",
            )
        stages = described.get("VersionIdsToStages") or {}
        has_value = any("AWSCURRENT" in s for s in stages.values())
        if "GenerateSecretString" in props:
            self.compare(
                logical,
                "GenerateSecretString",
                has_value,
                lambda: sm.put_secret_value(
                    SecretId=name, SecretString=_generate(sm, props["GenerateSecretString"])
                ),
                f"{name} has no generated value",
            )

    def _create_secret(self, props: dict[str, Any]) -> None:
        sm = self._client("secretsmanager")
        kwargs: dict[str, Any] = {"Name": props["Name"]}
        for key in ("Description", "KmsKeyId"):
            if key in props:
                kwargs[key] = props[key]
        if "GenerateSecretString" in props:
            kwargs["SecretString"] = _generate(sm, props["GenerateSecretString"])
        sm.create_secret(**kwargs)

    def role(self, logical: str, props: dict[str, Any]) -> None:
        known = {"RoleName", "Description", "AssumeRolePolicyDocument", "Policies", "Tags"}
        self._known(logical, props, known)
        iam, name = self._client("iam"), self.ctx.ref(logical)
        trust = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
        self.compare(
            logical,
            "AssumeRolePolicyDocument",
            _same_document(props["AssumeRolePolicyDocument"], trust),
            lambda: iam.update_assume_role_policy(
                RoleName=name, PolicyDocument=json.dumps(props["AssumeRolePolicyDocument"])
            ),
            "trust policy differs from the template",
        )
        declared = {p["PolicyName"]: p["PolicyDocument"] for p in props.get("Policies", [])}
        present = set(iam.list_role_policies(RoleName=name)["PolicyNames"])
        for extra in sorted(present - set(declared)):  # more rights than declared: never fixed
            self.compare(logical, f"Policies/{extra}", False, None, "undeclared inline policy")
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        for policy in attached:
            self.compare(
                logical, "ManagedPolicies", False, None, f"undeclared {policy['PolicyArn']}"
            )
        for policy_name, document in declared.items():
            have = (
                iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
                if policy_name in present
                else None
            )
            self.compare(
                logical,
                f"Policies/{policy_name}",
                _same_document(document, have),
                partial(
                    iam.put_role_policy,
                    RoleName=name,
                    PolicyName=policy_name,
                    PolicyDocument=json.dumps(document),
                ),
                f"inline policy {policy_name} missing or different",
            )

    def repository(self, logical: str, props: dict[str, Any]) -> None:
        known = {
            "RepositoryName",
            "ImageTagMutability",
            "ImageScanningConfiguration",
            "EncryptionConfiguration",
            "LifecyclePolicy",
            "Tags",
        }
        self._known(logical, props, known)
        ecr, name = self._client("ecr"), self.ctx.ref(logical)
        repo = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
        if "ImageTagMutability" in props:
            want = props["ImageTagMutability"]
            self.compare(
                logical,
                "ImageTagMutability",
                repo.get("imageTagMutability") == want,
                lambda: ecr.put_image_tag_mutability(repositoryName=name, imageTagMutability=want),
                f"tag mutability {repo.get('imageTagMutability')} -> {want}",
            )
        if "ImageScanningConfiguration" in props:
            scan = bool(props["ImageScanningConfiguration"].get("ScanOnPush", False))
            have = (repo.get("imageScanningConfiguration") or {}).get("scanOnPush")
            self.compare(
                logical,
                "ImageScanningConfiguration",
                have == scan,
                lambda: ecr.put_image_scanning_configuration(
                    repositoryName=name, imageScanningConfiguration={"scanOnPush": scan}
                ),
                f"scan on push {have} -> {scan}",
            )
        if "EncryptionConfiguration" in props:
            want = props["EncryptionConfiguration"]["EncryptionType"]
            have = (repo.get("encryptionConfiguration") or {}).get("encryptionType")
            # Set only at creation: a difference cannot be applied afterwards.
            self.compare(
                logical,
                "EncryptionConfiguration",
                have == want,
                None,
                f"encryption {have} (declared {want}; fixed at creation)",
            )
        if "LifecyclePolicy" in props:
            text = props["LifecyclePolicy"]["LifecyclePolicyText"]
            raw = _get(lambda: ecr.get_lifecycle_policy(repositoryName=name), "lifecyclePolicyText")
            self.compare(
                logical,
                "LifecyclePolicy",
                raw is not None and _same_document(json.loads(text), json.loads(raw)),
                lambda: ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=text),
                "lifecycle policy missing or different",
            )

    def app_runner(self, logical: str, props: dict[str, Any]) -> None:
        # No App Runner API in the emulator to check or apply anything with.
        self.compare(
            logical,
            "Service",
            self._physical(logical) is not None,
            None,
            "not created (the AWS emulator has no App Runner; deploy with DeployApiService=false)",
        )


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation S3 lifecycle rule in the S3 API's shape (only the fields we use)."""
    known = {"Id", "Status", "NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"}
    unknown = set(rule) - known
    if unknown:
        raise TemplateError(f"lifecycle rule fields the bootstrap does not map: {sorted(unknown)}")
    out: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"], "Filter": {"Prefix": ""}}
    if "NoncurrentVersionExpiration" in rule:
        days = rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(days)}
    if "AbortIncompleteMultipartUpload" in rule:
        days = rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(days)}
    return out


def _generate(sm: Any, spec: dict[str, Any]) -> str:
    """A value as CloudFormation's GenerateSecretString would make it (GetRandomPassword)."""
    options = {k: spec[k] for k in _PASSWORD_OPTIONS if k in spec}
    password = str(sm.get_random_password(**options)["RandomPassword"])
    if "SecretStringTemplate" in spec:
        body = json.loads(spec["SecretStringTemplate"])
        body[spec["GenerateStringKey"]] = password
        return json.dumps(body)
    return password


def reconcile(
    sess: Any, endpoint_url: str | None, deployed: Deployed, *, fix: bool
) -> list[Finding]:
    """Compare every declared resource with what exists; apply what is missing if `fix`."""
    return _Checker(sess, endpoint_url, deployed.context, fix=fix).run()


def _current_value(sm: Any, name: str) -> str | None:
    try:
        return str(sm.get_secret_value(SecretId=name)["SecretString"])
    except sm.exceptions.ResourceNotFoundException:  # no such secret, or no value yet
        return None


def seed_secrets(
    sess: Any, endpoint_url: str | None, outputs: dict[str, str], settings: Settings
) -> dict[str, str]:
    """Put the prompt templates and the configured API keys into their secrets."""
    from trending_now.enrich.prompts import load_repo_prompts, publish_prompts, secret_id

    sm = sess.client("secretsmanager", endpoint_url=endpoint_url)
    status: dict[str, str] = {}
    prefix = outputs["PromptsSecretPrefix"]
    paths = Paths.from_settings(settings)
    prompts = load_repo_prompts(paths.prompts)
    for template in prompts.values():
        sid = secret_id(prefix, template.name)
        if _current_value(sm, sid) is None and _exists(sm, sid):
            # Created empty by the stack: push_prompts only adds versions to secrets with one.
            sm.put_secret_value(SecretId=sid, SecretString=template.model_dump_json())
            status[sid] = "set"
    where = f"stack {outputs.get('StackName', '?')} ({endpoint_url or 'aws'})"
    for result in publish_prompts(
        sm, paths.prompts, prefix=prefix, audit_log=paths.audit_log, where=where
    ):
        sid = secret_id(prefix, result.name)
        status.setdefault(sid, "set" if result.changed else "unchanged")
    configured = {
        "TmdbApiKeySecretName": settings.tmdb_api_key,
        "LlmApiKeySecretName": settings.llm_api_key,
        "PseudonymSaltSecretName": None,  # generated by the stack (or the emulator bootstrap)
        "ServingDbUrlSecretName": None,  # the operator sets it (docs/deployment.md)
    }
    for output, secret in configured.items():
        name = outputs[output]
        current = _current_value(sm, name)
        if secret is not None and current != secret.get_secret_value():
            sm.put_secret_value(SecretId=name, SecretString=secret.get_secret_value())
            status[name] = "set"
        else:
            status[name] = "unchanged" if current is not None else "empty"
    return status


def _exists(sm: Any, name: str) -> bool:
    try:
        sm.describe_secret(SecretId=name)
    except sm.exceptions.ResourceNotFoundException:
        return False
    return True


def bootstrap(
    sess: Any, endpoint_url: str | None, deployed: Deployed, settings: Settings, *, fix: bool
) -> BootstrapReport:
    """Reconcile the stack with its template, then seed the secret values."""
    findings = reconcile(sess, endpoint_url, deployed, fix=fix)
    for finding in findings:
        log.info("%s %s: %s", finding.resource, finding.what, finding.detail)
    secrets = seed_secrets(sess, endpoint_url, deployed.outputs, settings)
    return BootstrapReport(findings, secrets)
