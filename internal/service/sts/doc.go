// Package sts answers the one AWS Security Token Service call clients make
// before anything else: GetCallerIdentity, which SDKs and Terraform's AWS
// provider use to learn the account they work in. gatehouse has no IAM;
// every caller is the account's root.
package sts
