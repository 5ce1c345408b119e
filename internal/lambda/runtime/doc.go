// Package runtime holds the runtime loops gatehouse ships for Lambda's
// managed runtimes, and tells the engine what to run for a function:
// Command. It starts nothing itself.
//
// A loop is the process a managed runtime starts: it polls the Runtime
// API at AWS_LAMBDA_RUNTIME_API, loads the handler named by _HANDLER
// from LAMBDA_TASK_ROOT, and calls it once per invocation. gatehouse's
// loops use their language's standard library only, so a function runs
// with nothing installed but the interpreter.
//
// Handlers, as Lambda reads them:
//
//   - nodejs20.x, nodejs22.x: "file.export" or "dir/file.export", and
//     nested exports "file.obj.fn". file is looked up relative to
//     LAMBDA_TASK_ROOT as Lambda's Node.js runtime does: as given (no
//     extension), then file.js (CommonJS, or an ES module when the
//     nearest package.json says "type": "module"), file.mjs (ES module),
//     file.cjs (CommonJS), and last as a package name through node's
//     resolution from LAMBDA_TASK_ROOT. The handler may be async, return
//     a promise, or take a callback (event, context, callback).
//   - python3.11, python3.12, python3.13: "module.function", where module
//     may be dotted ("pkg.mod.fn") or a path ("pkg/mod.fn"); the function
//     is the part after the last dot.
//   - provided.al2023, provided.al2: the package's executable bootstrap
//     runs; the handler string is only passed on in _HANDLER.
//
// What the loops do as AWS's runtimes do, and where they are simpler, is
// in README.md.
package runtime
