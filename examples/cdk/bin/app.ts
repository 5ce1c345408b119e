#!/usr/bin/env node
// The CDK app: one stack, environment-agnostic, so its template names no
// account or region and deploys wherever it is sent (gatehouse included).
import { App } from 'aws-cdk-lib';
import { GatehouseCdkStack } from '../lib/stack';

const app = new App();
new GatehouseCdkStack(app, 'GatehouseCdk', {
  description: 'HTTP API -> VPC link V2 -> internal ALB -> a backend, written with the AWS CDK',
});
