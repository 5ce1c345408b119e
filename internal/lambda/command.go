package lambda

import (
	"errors"
	"os"

	"gatehouse/internal/lambda/runtime"
)

// launch is what starts a function's process: runtime.Command for the
// runtime, or the error document to answer with when nothing can start.
func launch(rt, taskRoot, handler, id string) (runtime.Cmd, []byte) {
	c, err := runtime.Command(rt, taskRoot, handler)
	if err != nil {
		return c, startFailure(id, err)
	}
	return c, nil
}

// startFailure is the error document of a process that could not start,
// typed as the runtime package says (Runtime.InvalidEntrypoint, ...).
func startFailure(id string, err error) []byte {
	var re *runtime.Error
	if !errors.As(err, &re) {
		re = runtime.StartError(err)
	}
	return errorDoc(re.Type, "RequestId: "+id+" Error: "+re.Message)
}

// awsPath is the PATH Lambda gives functions.
const awsPath = "/usr/local/bin:/usr/bin/:/bin:/opt/bin"

// lambdaPath is Lambda's PATH, then this machine's directories, so that a
// bootstrap script finds the tools it calls wherever they are installed
// here.
func lambdaPath() string {
	if p := os.Getenv("PATH"); p != "" {
		return awsPath + ":" + p
	}
	return awsPath
}
