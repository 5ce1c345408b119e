// Package lambda is the engine behind the Lambda API: it runs functions as
// real child processes and is the Lambda Runtime API those processes poll.
//
// The Engine is a controller on the store's change feed, like the VPC link
// lifecycles: it moves functions from Pending to Active (and an update's
// LastUpdateStatus from InProgress to Successful) after a delay on its
// clock, and delivers the asynchronous invocations (model.FunctionEvent)
// the Lambda service records, retrying and sending invocation records to
// destinations as their event invoke configs say.
//
// It implements invoke.Invoker for the Lambda API's Invoke and for the data
// plane's integrations, authorizers and ALB targets. An invocation resolves
// its function from the engine's own compiled index (an atomic pointer, so
// the request path reads no store), checks the caller against the
// function's resource policy, its state and the concurrency limits, then
// hands the event to a sandbox: one child process with its own Runtime API
// listener on 127.0.0.1, kept warm for the next invocation and stopped when
// idle. Each process runs in its own process group, dies with gatehouse
// and is killed with its group on Stop. On Linux it runs under a
// supervisor, gatehouse's own binary started again (shim_linux.go), which
// gives the sandbox its own PID and mount namespaces and private /tmp
// where the machine allows, confines the function with Landlock, drops
// its capabilities, and kills it when it outgrows its memory.
//
// Failures answer what Lambda answers: a timeout kills the sandbox and
// returns Sandbox.Timedout "… Task timed out after N.00 seconds", a
// process that exits mid-invocation Runtime.ExitError (Runtime.OutOfMemory
// when killed for its memory), a missing or unrunnable entry point
// Runtime.InvalidEntrypoint, an init error the runtime's report, an
// initialisation past Lambda's 10 s Init phase a second try within the
// invocation's timeout. Timeouts,
// activation, idle stops and retries run on the injected clock, so tests
// advance time instead of waiting.
//
// The package writes function states and event records only; it never
// serves the management API and must not import service, wire, data-plane
// or edge packages.
package lambda
