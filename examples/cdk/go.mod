// examples/cdk is a Node.js project. This file makes it a module of its
// own so that the go tool (go build ./..., go vet ./...) never walks its
// node_modules, where the AWS CDK keeps Go project templates.
module gatehouse/examples/cdk

go 1.24
