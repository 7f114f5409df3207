"""`make deploy-local`: deploy the stack into the local AWS emulator and bootstrap it."""

from __future__ import annotations

from dataclasses import dataclass

from trending_now.config import Settings
from trending_now.ops.infra.bootstrap import BootstrapReport, bootstrap
from trending_now.ops.infra.deploy import (
    LOCAL_PARAMETERS,
    LOCAL_STACK_NAME,
    Deployed,
    deploy_stack,
    session,
)


@dataclass(frozen=True)
class LocalDeployment:
    """The deployed local stack and what its bootstrap found and set."""

    deployed: Deployed
    report: BootstrapReport


def deploy_to_emulator(
    endpoint_url: str,
    settings: Settings,
    *,
    credentials: dict[str, str],
    stack_name: str = LOCAL_STACK_NAME,
    parameters: dict[str, str] | None = None,
) -> LocalDeployment:
    """Deploy into the emulator at `endpoint_url` (dummy `credentials`), then bootstrap with
    fixes applied: the emulator skips resources and properties that AWS would create."""
    sess = session(settings.aws_region, credentials)
    deployed = deploy_stack(sess, endpoint_url, stack_name, parameters or dict(LOCAL_PARAMETERS))
    report = bootstrap(sess, endpoint_url, deployed, settings, fix=True)
    return LocalDeployment(deployed, report)


def deploy_local(settings: Settings) -> LocalDeployment:
    """Into the local stack's emulator (Settings.moto_port), started if it is not running."""
    from trending_now.ops import stack

    stack.up(settings, ["moto"])
    aws = stack.local_aws_env(settings)
    return deploy_to_emulator(aws["AWS_ENDPOINT_URL"], settings, credentials=aws)
