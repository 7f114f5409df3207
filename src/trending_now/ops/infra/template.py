"""Read the CloudFormation template and resolve its intrinsic functions against a deployed stack.

The bootstrap compares what the template declares with what exists; to do that it needs the
template's values as they are after deployment (`!Sub "arn:...:${DataBucket}"` with the real
bucket name). Only the intrinsics the template uses are supported (Ref, Sub, GetAtt, Join,
Equals/Not in conditions); anything else is an error, never a silent guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trending_now.config import PROJECT_ROOT

TEMPLATE_PATH = PROJECT_ROOT / "infra" / "cloudformation" / "trending-now.yaml"
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class TemplateError(ValueError):
    """The template uses something this resolver does not know, or a value is missing."""


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that turns CloudFormation short forms (`!Ref x`) into their long forms."""


def _construct_intrinsic(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as a dict with intrinsics in long form (`{"Fn::Sub": ...}`)."""
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(data, dict) or "Resources" not in data:
        raise TemplateError(f"{path}: not a CloudFormation template")
    return data


def parameter_values(template: dict[str, Any], given: dict[str, str]) -> dict[str, str]:
    """Every parameter's effective value: the given one, else the template's default."""
    values: dict[str, str] = {}
    for name, spec in template.get("Parameters", {}).items():
        if name in given:
            values[name] = given[name]
        elif "Default" in spec:
            values[name] = str(spec["Default"])
        else:
            raise TemplateError(f"parameter {name} has no default and was not given")
    unknown = set(given) - set(values)
    if unknown:
        raise TemplateError(f"unknown parameters: {sorted(unknown)}")
    return values


@dataclass(frozen=True)
class StackContext:
    """What the intrinsics of a deployed stack resolve to."""

    template: dict[str, Any]
    parameters: dict[str, str]
    physical_ids: dict[str, str]  # logical id -> physical id, as the stack lists them
    account: str
    region: str
    stack_name: str
    partition: str = "aws"
    url_suffix: str = "amazonaws.com"
    _pseudo: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._pseudo.update(
            {
                "AWS::AccountId": self.account,
                "AWS::Region": self.region,
                "AWS::Partition": self.partition,
                "AWS::StackName": self.stack_name,
                "AWS::URLSuffix": self.url_suffix,
            }
        )

    def condition(self, name: str) -> bool:
        """Evaluate a named condition (Fn::Equals, Fn::Not)."""
        return bool(self._eval_condition(self.template["Conditions"][name]))

    def _eval_condition(self, expr: Any) -> bool:
        if isinstance(expr, dict) and "Fn::Equals" in expr:
            left, right = (self.resolve(v) for v in expr["Fn::Equals"])
            return bool(left == right)
        if isinstance(expr, dict) and "Fn::Not" in expr:
            return not self._eval_condition(expr["Fn::Not"][0])
        if isinstance(expr, dict) and "Condition" in expr:
            return self.condition(expr["Condition"])
        raise TemplateError(f"unsupported condition {expr!r}")

    def ref(self, name: str) -> str:
        """What `!Ref name` resolves to: a parameter, a pseudo parameter or a physical id."""
        if name in self.parameters:
            return self.parameters[name]
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self.physical_ids:
            return self.physical_ids[name]
        raise TemplateError(f"cannot resolve Ref {name!r}: not a parameter or created resource")

    def get_att(self, name: str, attr: str) -> str:
        """`!GetAtt name.attr` for the resource types and attributes the template uses."""
        kind = self.template["Resources"][name]["Type"]
        pid = self.ref(name)
        p, r, a = self.partition, self.region, self.account
        known = {
            ("AWS::KMS::Key", "Arn"): f"arn:{p}:kms:{r}:{a}:key/{pid}",
            ("AWS::S3::Bucket", "Arn"): f"arn:{p}:s3:::{pid}",
            ("AWS::IAM::Role", "Arn"): f"arn:{p}:iam::{a}:role/{pid}",
            ("AWS::ECR::Repository", "Arn"): f"arn:{p}:ecr:{r}:{a}:repository/{pid}",
            ("AWS::ECR::Repository", "RepositoryUri"): f"{a}.dkr.ecr.{r}.{self.url_suffix}/{pid}",
        }
        if (kind, attr) not in known:
            raise TemplateError(f"unsupported GetAtt {name}.{attr} ({kind})")
        return known[(kind, attr)]

    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic function replaced by its deployed value."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.get_att(arg[0], arg[1])
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                return str(arg[0]).join(str(self.resolve(v)) for v in arg[1])
            if key.startswith("Fn::"):
                raise TemplateError(f"unsupported intrinsic {key}")
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                resource, attr = name.split(".", 1)
                return self.get_att(resource, attr)
            return self.ref(name)

        return _SUB_VAR.sub(one, text).replace("${!", "${")
