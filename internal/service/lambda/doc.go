// Package lambda is the management half of AWS Lambda: functions and their
// code, published versions, aliases, resource-based policies, reserved
// concurrency, event invoke configs and tags, and Invoke. See README.md
// for the operations and where they differ from AWS.
//
// It writes the records the engine runs (model.Function, FunctionVersion,
// FunctionAlias, FunctionEventInvokeConfig, and FunctionEvent for
// asynchronous invocations) and keeps their invariants: a function's code
// is in the code store before its record commits, every change of a
// version's configuration or code gets a new RevisionId, and a function
// is written Pending (a new one) or with LastUpdateStatus InProgress (an
// update); what happens next (Active,
// Successful) belongs to the engine, which also runs RequestResponse
// invocations through the invoke.Invoker the root hands in.
//
// Each operation validates its input, then makes its change in one store
// transaction. The package never sees HTTP; it returns api.Error values with
// Lambda's codes and error shapes.
package lambda
