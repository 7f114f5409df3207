"""Deploy the CloudFormation stack with boto3 (AWS, or the local AWS emulator) and wait for it."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from trending_now.ops.infra.template import (
    TEMPLATE_PATH,
    StackContext,
    load_template,
    parameter_values,
)

DONE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE"})
CAPABILITIES = ["CAPABILITY_NAMED_IAM"]  # the template names its roles
LOCAL_STACK_NAME = "trending-now-local"
# The emulator has no App Runner: the local deploy leaves the service out (see the template).
LOCAL_PARAMETERS = {"EnvironmentName": "local", "DeployApiService": "false"}


class DeployError(RuntimeError):
    """The stack did not reach a complete state; the message carries the failed events."""


@dataclass(frozen=True)
class Deployed:
    """A deployed stack: its outputs and what its template resolves to."""

    name: str
    status: str
    outputs: dict[str, str]
    context: StackContext


def session(region: str, env: Mapping[str, str] | None = None) -> Any:
    """A boto3 session; `env` may carry the emulator's dummy credentials, else boto3's chain."""
    env = env or {}
    return boto3.session.Session(
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
        region_name=region,
    )


def _wait(cf: Any, name: str, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        described: dict[str, Any] = cf.describe_stacks(StackName=name)["Stacks"][0]
        if not described["StackStatus"].endswith("_IN_PROGRESS"):
            return described
        if time.monotonic() > deadline:
            raise DeployError(f"stack {name} still {described['StackStatus']} after {timeout_s}s")
        time.sleep(1.0)


def deploy_stack(
    sess: Any,
    endpoint_url: str | None,
    name: str,
    parameters: dict[str, str],
    *,
    template_path: Path = TEMPLATE_PATH,
    timeout_s: float = 1800.0,
) -> Deployed:
    """Create the stack, or update it if it exists (no change is fine); return its outputs."""
    cf = sess.client("cloudformation", endpoint_url=endpoint_url)
    body = template_path.read_text(encoding="utf-8")
    parameter_values(load_template(template_path), parameters)  # unknown names fail here
    cfn_params = [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]
    kwargs = {
        "StackName": name,
        "TemplateBody": body,
        "Parameters": cfn_params,
        "Capabilities": CAPABILITIES,
    }
    try:
        cf.describe_stacks(StackName=name)
        exists = True
    except cf.exceptions.ClientError:
        exists = False
    if exists:
        try:
            cf.update_stack(**kwargs)
        except cf.exceptions.ClientError as exc:
            if "No updates are to be performed" not in str(exc):
                raise
    else:
        cf.create_stack(**kwargs)
    described = _wait(cf, name, timeout_s)
    if described["StackStatus"] not in DONE:
        events = cf.describe_stack_events(StackName=name)["StackEvents"]
        failed = [
            f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}"
            for e in events
            if e["ResourceStatus"].endswith("FAILED")
        ]
        raise DeployError(f"stack {name} is {described['StackStatus']}: {failed[:10]}")
    return describe_stack(sess, endpoint_url, name, template_path=template_path)


def describe_stack(
    sess: Any, endpoint_url: str | None, name: str, *, template_path: Path = TEMPLATE_PATH
) -> Deployed:
    """A deployed stack's status, outputs and resolution context (parameters, physical ids)."""
    cf = sess.client("cloudformation", endpoint_url=endpoint_url)
    described = cf.describe_stacks(StackName=name)["Stacks"][0]
    template = load_template(template_path)
    given = {p["ParameterKey"]: p["ParameterValue"] for p in described.get("Parameters", [])}
    values = parameter_values(template, given)
    resources = cf.list_stack_resources(StackName=name)["StackResourceSummaries"]
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in resources
        if r.get("LogicalResourceId") and r.get("PhysicalResourceId")
    }
    account = sess.client("sts", endpoint_url=endpoint_url).get_caller_identity()["Account"]
    context = StackContext(template, values, physical, account, sess.region_name, name)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    return Deployed(name, described["StackStatus"], outputs, context)
