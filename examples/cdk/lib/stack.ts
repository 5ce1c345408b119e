// The HTTP API private-integration architecture with the CDK's L2
// constructs:
//
//   HTTP API ($default route) -> VPC link V2 (its ENIs carry LinkGroup)
//     -> internal ALB (its group admits LinkGroup on port 80)
//     -> an IP target (BackendGroup admits the ALB's group)
//
// The VPC has isolated subnets only: no NAT gateway and no internet
// gateway, neither of which a private integration needs. The backend is a
// network interface at 10.0.0.10 registered by IP; gatehouse reaches the
// address's port on 127.0.0.1 (or on the host in the interface's
// gatehouse:host tag), so a process listening on loopback at BackendPort
// answers for it.
import { CfnOutput, CfnParameter, Stack, StackProps } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpAlbIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { IpTarget } from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import { Construct } from 'constructs';

// The backend's modeled address: in the first subnet CDK carves from
// 10.0.0.0/16, which is 10.0.0.0/24.
const backendIp = '10.0.0.10';

export class GatehouseCdkStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const backendPort = new CfnParameter(this, 'BackendPort', {
      type: 'Number',
      default: 8080,
      description: 'The port the backend listens on (on 127.0.0.1 under gatehouse)',
    });

    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.0.0.0/16'),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        { name: 'isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // Restricting the default group takes a Lambda-backed custom
      // resource; nothing here uses the default group.
      restrictDefaultSecurityGroup: false,
    });

    // The link's group is the source the ALB sees; its own rules play no
    // part in access control.
    const linkGroup = new ec2.SecurityGroup(this, 'LinkGroup', {
      vpc,
      description: 'VPC link V2 network interfaces',
    });
    const link = new apigwv2.VpcLink(this, 'Link', {
      vpc,
      subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [linkGroup],
    });

    const alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc,
      internetFacing: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    });
    const targets = new elbv2.ApplicationTargetGroup(this, 'Backends', {
      vpc,
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [new IpTarget(backendIp, backendPort.valueAsNumber)],
      healthCheck: { path: '/' },
    });
    const listener = alb.addListener('Http', {
      port: 80,
      open: false,
      defaultTargetGroups: [targets],
    });
    alb.connections.allowFrom(linkGroup, ec2.Port.tcp(80), 'from the VPC link');

    // The backend's network interface, whose address the target names.
    const backendGroup = new ec2.SecurityGroup(this, 'BackendGroup', {
      vpc,
      description: 'the backend',
    });
    backendGroup.connections.allowFrom(alb, ec2.Port.tcpRange(1024, 65535), 'from the ALB');
    new ec2.CfnNetworkInterface(this, 'BackendEni', {
      subnetId: vpc.isolatedSubnets[0].subnetId,
      privateIpAddress: backendIp,
      groupSet: [backendGroup.securityGroupId],
      description: 'the backend',
    });

    const api = new apigwv2.HttpApi(this, 'Api', {
      description: 'routes everything to the internal ALB',
      defaultIntegration: new HttpAlbIntegration('Alb', listener, { vpcLink: link }),
    });

    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
    new CfnOutput(this, 'LinkId', { value: link.vpcLinkId });
  }
}
