package model

import (
	"regexp"
	"strings"
)

// AccessLogSettings are a stage's access logging: where AWS would deliver
// one line per request, and the line's format, text with $context
// variables in it. Both services store them and the data plane renders
// them, so the rules the two must agree on (which destinations exist, what
// a variable is) live here.
type AccessLogSettings struct {
	DestinationARN string
	Format         string
}

var (
	// A CloudWatch Logs log group, with or without the ":*" that the log
	// group's own ARN carries.
	logGroupARN = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:logs:[a-z0-9-]+:[0-9]{12}:log-group:([A-Za-z0-9_/.#-]{1,512})(?::\*)?$`)
	// A Kinesis Data Firehose delivery stream; API Gateway writes only to
	// streams named amazon-apigateway-....
	firehoseARN = regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:firehose:[a-z0-9-]+:[0-9]{12}:deliverystream/(amazon-apigateway-[A-Za-z0-9_.-]*)$`)
)

// AccessLogDestination is the name of the log group or delivery stream an
// access log destination ARN names. ok is false for any other ARN.
func AccessLogDestination(arn string) (name string, ok bool) {
	if m := logGroupARN.FindStringSubmatch(arn); m != nil {
		return m[1], true
	}
	if m := firehoseARN.FindStringSubmatch(arn); m != nil && len(m[1]) <= 64 {
		return m[1], true
	}
	return "", false
}

// CutContextVariable finds the first $context variable in s and returns the
// text before it, its name without "$context." ("identity.sourceIp"), and
// the text after it. A name is letters, digits and underscores, in parts
// joined by dots: a dot that no letter, digit or underscore follows ends
// it, so "$context.status." at the end of a sentence is $context.status.
func CutContextVariable(s string) (before, name, after string, found bool) {
	const prefix = "$context."
	for off := 0; ; {
		i := strings.Index(s[off:], prefix)
		if i < 0 {
			return s, "", "", false
		}
		start := off + i
		end := start + len(prefix)
		for end < len(s) {
			if nameByte(s[end]) {
				end++
			} else if s[end] == '.' && end+1 < len(s) && nameByte(s[end+1]) && s[end-1] != '.' {
				end++
			} else {
				break
			}
		}
		if end > start+len(prefix) {
			return s[:start], s[start+len(prefix) : end], s[end:], true
		}
		off = start + len(prefix)
	}
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// HasRequestID reports whether the format uses $context.requestId or
// $context.extendedRequestId, one of which AWS requires of every access
// log format.
func (a AccessLogSettings) HasRequestID() bool {
	for rest := a.Format; ; {
		_, name, after, found := CutContextVariable(rest)
		if !found {
			return false
		}
		if name == "requestId" || name == "extendedRequestId" {
			return true
		}
		rest = after
	}
}
