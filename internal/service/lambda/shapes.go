package lambda

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"gatehouse/internal/model"
)

// The shapes Lambda's functions are reported in, members in the order
// Lambda writes them.

// FunctionConfiguration is one version's configuration.
type FunctionConfiguration struct {
	FunctionName         string                `json:"FunctionName"`
	FunctionArn          string                `json:"FunctionArn"`
	Runtime              string                `json:"Runtime,omitempty"`
	Role                 string                `json:"Role"`
	Handler              string                `json:"Handler,omitempty"`
	CodeSize             int64                 `json:"CodeSize"`
	Description          string                `json:"Description"`
	Timeout              int                   `json:"Timeout"`
	MemorySize           int                   `json:"MemorySize"`
	LastModified         string                `json:"LastModified"`
	CodeSha256           string                `json:"CodeSha256"`
	Version              string                `json:"Version"`
	Environment          *Environment          `json:"Environment,omitempty"`
	TracingConfig        TracingConfig         `json:"TracingConfig"`
	RevisionId           string                `json:"RevisionId"`
	State                string                `json:"State,omitempty"`
	StateReason          string                `json:"StateReason,omitempty"`
	StateReasonCode      string                `json:"StateReasonCode,omitempty"`
	LastUpdateStatus     string                `json:"LastUpdateStatus,omitempty"`
	LastUpdateReason     string                `json:"LastUpdateStatusReason,omitempty"`
	LastUpdateReasonCode string                `json:"LastUpdateStatusReasonCode,omitempty"`
	PackageType          string                `json:"PackageType"`
	Architectures        []string              `json:"Architectures"`
	EphemeralStorage     EphemeralStorage      `json:"EphemeralStorage"`
	SnapStart            SnapStart             `json:"SnapStart"`
	RuntimeVersionConfig *RuntimeVersionConfig `json:"RuntimeVersionConfig,omitempty"`
	LoggingConfig        LoggingConfig         `json:"LoggingConfig"`
}

// Environment is a function's variables.
type Environment struct {
	Variables map[string]string `json:"Variables"`
}

// TracingConfig is X-Ray tracing, which gatehouse does not do: always
// PassThrough.
type TracingConfig struct {
	Mode string `json:"Mode"`
}

// EphemeralStorage is the size of /tmp, in MB.
type EphemeralStorage struct {
	Size int `json:"Size"`
}

// SnapStart is off: gatehouse takes no snapshots.
type SnapStart struct {
	ApplyOn            string `json:"ApplyOn"`
	OptimizationStatus string `json:"OptimizationStatus"`
}

// RuntimeVersionConfig names the runtime's version.
type RuntimeVersionConfig struct {
	RuntimeVersionArn string `json:"RuntimeVersionArn"`
}

// LoggingConfig is where the function's log goes: gatehouse's own log,
// under the group CloudWatch would use.
type LoggingConfig struct {
	LogFormat string `json:"LogFormat"`
	LogGroup  string `json:"LogGroup"`
}

// configuration renders a version's configuration under arn.
func configuration(region, name, arn string, c model.FunctionConfig) *FunctionConfiguration {
	out := &FunctionConfiguration{
		FunctionName:         name,
		FunctionArn:          arn,
		Runtime:              c.Runtime,
		Role:                 c.Role,
		Handler:              c.Handler,
		CodeSize:             c.CodeSize,
		Description:          c.Description,
		Timeout:              c.Timeout,
		MemorySize:           c.MemorySize,
		LastModified:         lastModified(c.LastModified),
		CodeSha256:           c.CodeSha256,
		Version:              c.Version,
		TracingConfig:        TracingConfig{Mode: "PassThrough"},
		RevisionId:           c.RevisionID,
		State:                c.State,
		StateReason:          c.StateReason,
		StateReasonCode:      c.StateReasonCode,
		LastUpdateStatus:     c.LastUpdateStatus,
		LastUpdateReason:     c.LastUpdateStatusReason,
		LastUpdateReasonCode: c.LastUpdateStatusReasonCode,
		PackageType:          c.PackageType,
		Architectures:        c.Architectures,
		EphemeralStorage:     EphemeralStorage{Size: c.EphemeralStorage},
		SnapStart:            SnapStart{ApplyOn: "None", OptimizationStatus: "Off"},
		LoggingConfig:        LoggingConfig{LogFormat: "Text", LogGroup: "/aws/lambda/" + name},
	}
	if len(c.Environment) > 0 {
		out.Environment = &Environment{Variables: c.Environment}
	}
	if c.Runtime != "" {
		out.RuntimeVersionConfig = &RuntimeVersionConfig{RuntimeVersionArn: runtimeVersionARN(region, c.Runtime)}
	}
	return out
}

// runtimeVersionARN names the one version of each runtime gatehouse has.
func runtimeVersionARN(region, runtime string) string {
	sum := sha256.Sum256([]byte("gatehouse:" + runtime))
	return "arn:aws:lambda:" + region + "::runtime:" + hex.EncodeToString(sum[:])
}

// Concurrency is a function's reserved concurrency.
type Concurrency struct {
	ReservedConcurrentExecutions *int `json:"ReservedConcurrentExecutions,omitempty"`
}

// FunctionCodeLocation is where GetFunction says the package can be
// downloaded.
type FunctionCodeLocation struct {
	RepositoryType string `json:"RepositoryType"`
	Location       string `json:"Location"`
}

// versionLess orders version numbers numerically.
func versionLess(a, b string) bool {
	x, _ := strconv.Atoi(a)
	y, _ := strconv.Atoi(b)
	return x < y
}
