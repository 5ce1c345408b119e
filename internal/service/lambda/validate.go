package lambda

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"gatehouse/internal/model"
)

// Runtimes gatehouse runs: the zip's bootstrap for the OS-only runtimes,
// and shipped runtime loops for Node.js and Python.
var runnable = []string{"nodejs20.x", "nodejs22.x", "python3.11", "python3.12", "python3.13", "provided.al2023", "provided.al2"}

// known are the other runtimes Lambda names: a clear refusal for these,
// Lambda's enum error for anything else.
var known = []string{
	"nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x",
	"nodejs18.x", "nodejs24.x", "nodejs26.x", "java8", "java8.al2", "java11", "java17", "java21", "java25",
	"java8.al2023", "java11.al2023", "java17.al2023", "python2.7", "python3.6", "python3.7", "python3.8",
	"python3.9", "python3.10", "python3.14", "python3.15", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1",
	"dotnetcore3.1", "dotnet6", "dotnet8", "dotnet10", "nodejs4.3-edge", "go1.x", "ruby2.5", "ruby2.7",
	"ruby3.2", "ruby3.3", "ruby3.4", "ruby4.0", "provided",
}

// creatable is the runtime list Lambda's enum error gives: the runtimes a
// function can be created with today.
const creatable = "[nodejs20.x, nodejs22.x, nodejs24.x, python3.10, python3.11, python3.12, python3.13, python3.14, " +
	"java11, java17, java21, java25, java8.al2, dotnet8, dotnet10, ruby3.2, ruby3.3, ruby3.4, provided.al2, provided.al2023]"

// osOnly reports whether runtime runs the zip's bootstrap, needing no
// handler.
func osOnly(runtime string) bool { return strings.HasPrefix(runtime, "provided") }

func checkRuntime(runtime string) error {
	switch {
	case slices.Contains(runnable, runtime):
		return nil
	case slices.Contains(known, runtime):
		return invalidParameter("gatehouse does not run the %s runtime; it runs %s.", runtime, strings.Join(runnable, ", "))
	}
	return invalidParameter("Value %s at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: %s or be a valid ARN", runtime, creatable)
}

// reservedEnv are the variables Lambda sets itself and refuses to take
// from a function's configuration.
var reservedEnv = []string{
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
	"AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
}

const envKeyPattern = `[a-zA-Z]([a-zA-Z0-9_])+`

var envKeyRE = regexp.MustCompile(`^` + envKeyPattern + `$`)

// maxEnvironment is Lambda's 4 KB quota on a function's variables,
// measured as their JSON.
const maxEnvironment = 4096

// checkEnvironment holds variables to Lambda's rules.
func checkEnvironment(vars map[string]string) error {
	var v validation
	for _, k := range model.Tags(vars).Sorted() {
		if !envKeyRE.MatchString(k) {
			v.add("Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: %s]", envKeyPattern)
			break
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	var reserved []string
	for _, k := range model.Tags(vars).Sorted() {
		if slices.Contains(reservedEnv, k) {
			reserved = append(reserved, k)
		}
	}
	if len(reserved) > 0 {
		return invalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", strings.Join(reserved, ", "))
	}
	if b, _ := json.Marshal(vars); len(b) > maxEnvironment {
		return invalidParameter("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %s", b)
	}
	return nil
}

const rolePattern = `arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`

var roleRE = regexp.MustCompile(`^` + rolePattern + `$`)

const handlerPattern = `[^\s]+`

var handlerRE = regexp.MustCompile(`^` + handlerPattern + `$`)

// settings are the version-specific settings CreateFunction and
// UpdateFunctionConfiguration share; nil means not given.
type settings struct {
	Role             *string
	Runtime          *string
	Handler          *string
	Description      *string
	Timeout          *int
	MemorySize       *int
	Environment      *Environment
	EphemeralStorage *EphemeralStorage
}

// validate checks the members' own constraints, Lambda's front end's
// ValidationException, in the order Lambda lists them.
func (st *settings) validate(v *validation) {
	if st.Role != nil && !roleRE.MatchString(*st.Role) {
		v.pattern(*st.Role, "role", rolePattern)
	}
	if st.Handler != nil {
		if len(*st.Handler) > 128 {
			v.length(*st.Handler, "handler", 128)
		} else if !handlerRE.MatchString(*st.Handler) {
			v.pattern(*st.Handler, "handler", handlerPattern)
		}
	}
	if st.Description != nil && len(*st.Description) > 256 {
		v.length(*st.Description, "description", 256)
	}
	if st.Timeout != nil {
		if *st.Timeout < 1 {
			v.atLeast(*st.Timeout, "timeout", 1)
		} else if *st.Timeout > 900 {
			v.atMost(*st.Timeout, "timeout", 900)
		}
	}
	if st.MemorySize != nil {
		if *st.MemorySize < 128 {
			v.atLeast(*st.MemorySize, "memorySize", 128)
		} else if *st.MemorySize > 10240 {
			v.atMost(*st.MemorySize, "memorySize", 10240)
		}
	}
	if e := st.EphemeralStorage; e != nil {
		if e.Size < 512 {
			v.atLeast(e.Size, "ephemeralStorage.size", 512)
		} else if e.Size > 10240 {
			v.atMost(e.Size, "ephemeralStorage.size", 10240)
		}
	}
}

// apply writes the given settings into c, checking what Lambda checks
// beyond the members' own constraints.
func (st *settings) apply(c *model.FunctionConfig) error {
	if st.Runtime != nil {
		if err := checkRuntime(*st.Runtime); err != nil {
			return err
		}
		c.Runtime = *st.Runtime
	}
	if st.Role != nil {
		c.Role = *st.Role
	}
	if st.Handler != nil {
		c.Handler = *st.Handler
	}
	if st.Description != nil {
		c.Description = *st.Description
	}
	if st.Timeout != nil {
		c.Timeout = *st.Timeout
	}
	if st.MemorySize != nil {
		c.MemorySize = *st.MemorySize
	}
	if st.Environment != nil {
		if err := checkEnvironment(st.Environment.Variables); err != nil {
			return err
		}
		c.Environment = st.Environment.Variables
		if len(c.Environment) == 0 {
			c.Environment = nil
		}
	}
	if st.EphemeralStorage != nil {
		c.EphemeralStorage = st.EphemeralStorage.Size
	}
	if c.Handler == "" && !osOnly(c.Runtime) {
		return invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	return nil
}

// checkArchitectures holds Architectures to one of x86_64 and arm64.
func checkArchitectures(v *validation, archs []string) {
	if len(archs) > 1 {
		v.add("Value '[%s]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1", strings.Join(archs, ", "))
		return
	}
	if len(archs) == 0 {
		return
	}
	if archs[0] != "x86_64" && archs[0] != "arm64" {
		v.add("Value '[%s]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]", archs[0])
	}
}
