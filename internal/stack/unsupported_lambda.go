package stack

// noS3 is why a function's code must be inline.
const noS3 = "gatehouse has no S3: give the function's source inline as Code.ZipFile"

// unsupportedLambda lists the Lambda properties CloudFormation documents
// that gatehouse refuses, by type, with the reason.
var unsupportedLambda = map[string]map[string]string{
	"AWS::Lambda::Function": {
		"Code/S3Bucket":            noS3,
		"Code/S3Key":               noS3,
		"Code/S3ObjectVersion":     noS3,
		"Code/S3ObjectStorageMode": noS3,
		"Code/SourceKMSKeyArn":     "gatehouse keeps no KMS keys",
		"Code/ImageUri":            "gatehouse runs zip packages only, not container images",
		"ImageConfig":              "gatehouse runs zip packages only, not container images",
		"CapacityProviderConfig":   "Lambda managed instances are not modeled",
		"CodeSigningConfigArn":     "code signing is not modeled",
		"DeadLetterConfig":         "gatehouse has no SQS or SNS to send failed events to",
		"DurableConfig":            "durable functions are not modeled",
		"FileSystemConfigs":        "gatehouse has no EFS",
		"FunctionScalingConfig":    "Lambda managed instances are not modeled",
		"KmsKeyArn":                "gatehouse keeps no KMS keys",
		"Layers":                   "layers are not supported",
		"LoggingConfig":            "function output goes to gatehouse's log; CloudWatch log groups are not modeled",
		"PublishToLatestPublished": "Lambda managed instances are not modeled",
		"RecursiveLoop":            "recursive loop detection is not modeled",
		"RuntimeManagementConfig":  "runtime versions are not modeled",
		"SnapStart":                "SnapStart is not modeled",
		"TenancyConfig":            "tenant isolation is not modeled",
		"TracingConfig":            "gatehouse has no X-Ray",
		"VpcConfig":                "functions in a VPC are not modeled",
	},
	"AWS::Lambda::Permission": {
		"InvokedViaFunctionUrl": "function URLs are not modeled",
	},
	"AWS::Lambda::Version": {
		"FunctionScalingConfig":        "Lambda managed instances are not modeled",
		"ProvisionedConcurrencyConfig": "provisioned concurrency is not modeled",
		"RuntimePolicy":                "runtime versions are not modeled",
	},
	"AWS::Lambda::Alias": {
		"ProvisionedConcurrencyConfig": "provisioned concurrency is not modeled",
	},
}
