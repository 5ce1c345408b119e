// Package accesslog writes API Gateway access logs. A stage's format
// ("$context.requestId $context.status ...") is compiled once, when the
// data plane compiles the stage, into literal text and the $context
// variables in it; after each request the stage serves, the variables are
// filled in from an Entry the request path kept, into a pooled buffer, and
// the line goes to the server's log as one slog record ("access log", with
// the destination's name as log_group and the text as line), where AWS
// would deliver it to CloudWatch Logs or Firehose.
//
// A variable gatehouse does not know, or whose value a request did not
// produce (no route matched, no integration called), renders as "-", as
// AWS prints missing values.
//
// The package only renders and measures: it does not decide which stages
// log (a stage without access logging has no Format and never reaches it,
// so it pays nothing), and it sends nothing anywhere but the logger.
package accesslog
