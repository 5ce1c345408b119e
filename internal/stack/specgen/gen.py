#!/usr/bin/env python3
"""Writes ../spec.json: what CloudFormation's registry schemas say of each
resource type gatehouse deploys.

Regenerate (needs cfn-lint, `pip install cfn-lint`) from internal/stack:

    python3 specgen/gen.py > spec.json

For each type: every top-level property, whether it is required, whether
it is create-only (a new value replaces the resource) or has a create-only
member inside it (a new value may replace the resource: AWS's change sets
say Replacement: Conditional), and the attributes Fn::GetAtt may read, as
cfn-lint lists them from the same schemas. A property whose value is an
object of fixed members, or a list of such objects, has those members
(Members, Items, Values for a map's values) down to any depth, so that a misspelt name inside it is
found before anything is created. Which properties gatehouse refuses is
not here: that is unsupported_*.go.
"""

import json
import sys

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

REGION = "us-east-1"

TYPES = [
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::NetworkInterface",
    "AWS::EC2::RouteTable",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::Route",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::SubnetNetworkAclAssociation",
    "AWS::EC2::Instance",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    "AWS::ServiceDiscovery::PrivateDnsNamespace",
    "AWS::ServiceDiscovery::HttpNamespace",
    "AWS::ServiceDiscovery::Service",
    "AWS::ServiceDiscovery::Instance",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::VpcLink",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Authorizer",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Deployment",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::VpcLink",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGateway::UsagePlanKey",
    "AWS::ApiGateway::Model",
    "AWS::ApiGateway::RequestValidator",
    "AWS::ApiGateway::Authorizer",
    "AWS::ApiGateway::GatewayResponse",
    "AWS::SSM::Parameter",
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
    "AWS::Lambda::EventInvokeConfig",
]

# AWS::CDK::Metadata is no registry type: CloudFormation accepts it from
# CDK's output and creates nothing. Its property is CDK's usage record:
# Analytics from CDK v2, Modules from v1.
HAND_WRITTEN = {
    "AWS::CDK::Metadata": {"Attributes": [], "Properties": {"Analytics": {}, "Modules": {}}},
}


def top(path):
    """Splits /properties/Foo/Bar into ("Foo", True: nested)."""
    parts = path.split("/")
    return parts[2], len(parts) > 3


def shape(schema, node, refs=()):
    """The names an object value may have, down to any depth: {} when
    anything goes (free-form JSON, maps keyed by the user, scalars)."""
    ref = node.get("$ref")
    if ref:
        if ref in refs:
            return {}  # a recursive definition: stop checking there
        name = ref.rsplit("/", 1)[1]
        return shape(schema, schema["definitions"][name], refs + (ref,))
    out = {}
    types = node.get("type", [])
    if "properties" in node:
        if node.get("additionalProperties") is not False or "patternProperties" in node:
            return {}
        out["Members"] = {k: shape(schema, v, refs) for k, v in node["properties"].items()}
    elif len(node.get("patternProperties", {})) == 1:
        # A map keyed by the user (status codes, parameter names): only
        # its values have documented names.
        values = shape(schema, list(node["patternProperties"].values())[0], refs)
        if values:
            out["Values"] = values
    elif "items" in node and isinstance(node["items"], dict) and "array" in types:
        items = shape(schema, node["items"], refs)
        if items:
            out["Items"] = items
    else:
        # Alternatives (oneOf, anyOf) check only when every one of them
        # is an object of fixed members: their names together.
        alts = node.get("oneOf", []) + node.get("anyOf", [])
        shapes = [shape(schema, a, refs) for a in alts]
        if shapes and all("Members" in x for x in shapes):
            members = {}
            for x in shapes:
                members.update(x["Members"])
            out["Members"] = members
    return out


def spec(type_name):
    s = PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, type_name)
    schema = s.schema
    props = {name: shape(schema, v) for name, v in schema.get("properties", {}).items()}
    for name in schema.get("required", []):
        props[name]["Required"] = True
    for path in schema.get("createOnlyProperties", []):
        name, nested = top(path)
        if nested:
            if not props[name].get("CreateOnly"):
                props[name]["Conditional"] = True
        else:
            props[name].pop("Conditional", None)
            props[name]["CreateOnly"] = True
    # Read-only properties are what the resource reports, not input;
    # one also create-only (a Cloud Map instance's InstanceId) is both.
    for path in schema.get("readOnlyProperties", []):
        name, nested = top(path)
        if not nested and not props.get(name, {}).get("CreateOnly"):
            props.pop(name, None)
    return {"Attributes": sorted(s.get_atts.keys()), "Properties": props}


def main():
    out = {t: spec(t) for t in TYPES}
    out.update(HAND_WRITTEN)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
