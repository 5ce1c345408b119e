// Package vtl evaluates API Gateway mapping templates: Velocity (VTL 1.7)
// with API Gateway's $input, $util, $context and $stageVariables.
//
// A template is parsed once, when it is put or when a snapshot is
// compiled (package parse), and executed per request against an Input.
// Templates with no '$' or '#' are detected at Parse and cost a copy.
//
// What it follows, and why it is home-made: the Go Velocity-like engines
// (viant/velty among them) are typed against Go structs and leave out the
// parts of Velocity mapping templates lean on: Java's String, List and
// Map methods, null references that render as written, $foreach.hasNext,
// doubled-quote escapes, and values of unknown shape from parsed JSON.
//
//   - Values are Java's as Velocity sees them: JSON objects keep their key
//     order and render as {k=v, ...}, lists as [a, b], integers stay
//     integers (10/4 is 2), decimals render as Java's Double.toString.
//   - A reference with no value renders as written ($foo stays "$foo");
//     $!foo renders nothing. #set to a null value leaves the target as it
//     was. In #if only null and false are false.
//   - $input.path and $input.json read the body as JSON (an empty body is
//     {}); a path that finds nothing gives "".
//   - A directive alone on its line takes its indentation and line break
//     with it, so control flow leaves no blank lines.
//
// It never panics on any template or input. Execute fails (an error the
// data plane turns into AWS's 500) for: a #foreach over more than 1,000
// items (AWS's documented limit), invalid JSON given to $input.json,
// $input.path or $util.parseJson, output over 10 MiB, values nested over
// 100 deep, or a template that runs more than two million steps.
package vtl
