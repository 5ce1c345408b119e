package accesslog

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"gatehouse/internal/dataplane/jsonappend"
	"gatehouse/internal/model"
)

// Format is a compiled access log format.
type Format struct {
	// LogGroup is the name the destination ARN gives: the CloudWatch Logs
	// log group's, or the Firehose delivery stream's.
	LogGroup string
	parts    []part
	// json says the format is JSON-shaped (it starts with "{"): values are
	// then escaped as JSON string contents, so a caller's quote, backslash
	// or line break (in a User-Agent, a path) cannot end the string and add
	// fields of its own to the line.
	json bool
}

// part is literal text, or one variable.
type part struct {
	text string
	v    variable
}

type variable uint8

const (
	literal variable = iota
	unknown
	requestID
	extendedRequestID
	requestTime
	requestTimeEpoch
	httpMethod
	path
	routeKey
	resourcePath
	status
	responseLength
	protocol
	sourceIP
	userAgent
	stage
	apiID
	domainName
	domainPrefix
	integrationStatus
	integrationError
	integrationLatency
	responseLatency
	authorizerError
	authorizerStatus
	authorizerLatency
	// integrationResponse is $context.integration.status: a Lambda
	// function's own status, else the integration's.
	integrationResponse
	endpointRequestID
	accountID
	basePathMatched
	// identityAccount, identityCaller and identityUserARN are an
	// AWS_IAM caller's: its account, as account and principal id, and
	// its root user's ARN.
	identityAccount
	identityCaller
	identityUserARN
	// authorizerClaim is $context.authorizer.claims.NAME; the part's text
	// holds NAME.
	authorizerClaim
	// authorizerValue is $context.authorizer.NAME, a value a Lambda
	// authorizer returned; the part's text holds NAME.
	authorizerValue
)

// variables are the $context variables gatehouse fills in, by name. Both
// API types share one table: a variable the request path of an API type
// never sets (routeKey on a REST API) renders as "-".
var variables = map[string]variable{
	"requestId":                     requestID,
	"extendedRequestId":             extendedRequestID,
	"requestTime":                   requestTime,
	"requestTimeEpoch":              requestTimeEpoch,
	"httpMethod":                    httpMethod,
	"path":                          path,
	"routeKey":                      routeKey,
	"resourcePath":                  resourcePath,
	"status":                        status,
	"responseLength":                responseLength,
	"protocol":                      protocol,
	"identity.sourceIp":             sourceIP,
	"sourceIp":                      sourceIP,
	"identity.userAgent":            userAgent,
	"stage":                         stage,
	"apiId":                         apiID,
	"domainName":                    domainName,
	"domainPrefix":                  domainPrefix,
	"integrationStatus":             integrationStatus,
	"integration.status":            integrationResponse,
	"integration.integrationStatus": integrationStatus,
	"integration.requestId":         endpointRequestID,
	"awsEndpointRequestId":          endpointRequestID,
	"integrationErrorMessage":       integrationError,
	"integration.error":             integrationError,
	"integrationLatency":            integrationLatency,
	"integration.latency":           integrationLatency,
	"responseLatency":               responseLatency,
	"authorizer.error":              authorizerError,
	"authorizer.status":             authorizerStatus,
	"authorizer.latency":            authorizerLatency,
	"accountId":                     accountID,
	"customDomain.basePathMatched":  basePathMatched,
	"identity.accountId":            identityAccount,
	"identity.caller":               identityCaller,
	"identity.user":                 identityCaller,
	"identity.userArn":              identityUserARN,
}

// Compile compiles a stage's access log settings; nil (no access logging)
// compiles to nil. The services have checked the settings, so Compile
// takes what it is given: an ARN it cannot read gives an empty LogGroup.
// A trailing line break, which AWS tolerates, is dropped.
func Compile(a *model.AccessLogSettings) *Format {
	if a == nil {
		return nil
	}
	f := &Format{}
	f.LogGroup, _ = model.AccessLogDestination(a.DestinationARN)
	rest := strings.TrimRight(a.Format, "\r\n")
	f.json = strings.HasPrefix(strings.TrimSpace(rest), "{")
	for {
		before, name, after, found := model.CutContextVariable(rest)
		if before != "" {
			f.parts = append(f.parts, part{text: before})
		}
		if !found {
			return f
		}
		v, ok := variables[name]
		if !ok {
			v = unknown
		}
		if claim, ok := strings.CutPrefix(name, "authorizer.claims."); ok && claim != "" {
			v, name = authorizerClaim, claim
		} else if prop, ok := strings.CutPrefix(name, "authorizer."); ok && v == unknown && prop != "" {
			v, name = authorizerValue, prop
		}
		f.parts = append(f.parts, part{text: name, v: v})
		rest = after
	}
}

// Append renders e's line in the format onto b.
func (f *Format) Append(b []byte, e *Entry) []byte {
	for _, p := range f.parts {
		switch p.v {
		case literal:
			b = append(b, p.text...)
			continue
		case authorizerClaim:
			var v string
			if e.Claims != nil {
				v, _ = e.Claims.Claim(p.text)
			}
			b = text(b, v, f.json)
			continue
		case authorizerValue:
			var v string
			if e.Lambda != nil {
				v, _ = e.Lambda.Claim(p.text)
			}
			b = text(b, v, f.json)
			continue
		}
		b = e.append(b, p.v, f.json)
	}
	return b
}

// lines are the buffers lines are rendered into.
var lines = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Emit ends e, writes its line to log as one Info record, and returns e to
// its pool: the caller must not touch it afterwards. Nothing is rendered
// when log does not take Info records.
func (f *Format) Emit(log *slog.Logger, e *Entry) {
	defer e.release()
	e.end()
	ctx := context.Background()
	if log == nil || !log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	buf := lines.Get().(*[]byte)
	b := f.Append((*buf)[:0], e)
	log.LogAttrs(ctx, slog.LevelInfo, "access log", slog.String("log_group", f.LogGroup), slog.String("line", string(b)))
	if cap(b) <= 64<<10 {
		*buf = b
		lines.Put(buf)
	}
}

// clf is the Common Log Format's time, as $context.requestTime has it.
const clf = "02/Jan/2006:15:04:05 -0700"

// append renders one variable's value, "-" when the request has none.
// Values from the request (the ones text renders) are escaped when esc is
// set.
func (e *Entry) append(b []byte, v variable, esc bool) []byte {
	switch v {
	case requestID:
		return text(b, e.RequestID, esc)
	case extendedRequestID:
		return text(b, e.ExtendedRequestID, esc)
	case requestTime:
		if e.Start.IsZero() {
			return append(b, '-')
		}
		return e.Start.UTC().AppendFormat(b, clf)
	case requestTimeEpoch:
		if e.Start.IsZero() {
			return append(b, '-')
		}
		return strconv.AppendInt(b, e.Start.UnixMilli(), 10)
	case httpMethod:
		return text(b, e.Method, esc)
	case path:
		return text(b, e.Path, esc)
	case routeKey:
		return text(b, e.RouteKey, esc)
	case resourcePath:
		return text(b, e.ResourcePath, esc)
	case status:
		return number(b, int64(e.Status))
	case responseLength:
		return strconv.AppendInt(b, e.ResponseLength, 10)
	case protocol:
		return text(b, e.Protocol, esc)
	case sourceIP:
		return text(b, e.SourceIP, esc)
	case userAgent:
		return text(b, e.UserAgent, esc)
	case stage:
		return text(b, e.Stage, esc)
	case apiID:
		return text(b, e.APIID, esc)
	case domainName:
		return text(b, e.DomainName, esc)
	case domainPrefix:
		prefix, _, _ := strings.Cut(e.DomainName, ".")
		return text(b, prefix, esc)
	case integrationStatus:
		return number(b, int64(e.IntegrationStatus))
	case integrationError:
		return text(b, e.IntegrationError, esc)
	case integrationLatency:
		return millis(b, e.IntegrationLatency, e.Integrated)
	case authorizerError:
		return text(b, e.AuthorizerError, esc)
	case authorizerStatus:
		return number(b, int64(e.AuthorizerStatus))
	case authorizerLatency:
		return millis(b, e.AuthorizerLatency, e.AuthorizerStatus != 0)
	case integrationResponse:
		if e.ResponseStatus != 0 {
			return number(b, int64(e.ResponseStatus))
		}
		return number(b, int64(e.IntegrationStatus))
	case endpointRequestID:
		return text(b, e.EndpointRequestID, esc)
	case accountID:
		return text(b, e.Account, esc)
	case basePathMatched:
		return text(b, e.BasePath, esc)
	case identityAccount, identityCaller:
		if e.Signer == "" {
			return append(b, '-')
		}
		return text(b, e.Account, esc)
	case identityUserARN:
		if e.Signer == "" || e.Account == "" {
			return append(b, '-')
		}
		b = append(b, "arn:aws:iam::"...)
		b = append(b, e.Account...)
		return append(b, ":root"...)
	case responseLatency:
		return millis(b, e.End.Sub(e.Start), !e.Start.IsZero() && !e.End.IsZero())
	}
	return append(b, '-')
}

// millis appends d in whole milliseconds, or "-" when it was not measured.
func millis(b []byte, d time.Duration, measured bool) []byte {
	if !measured {
		return append(b, '-')
	}
	return strconv.AppendInt(b, d.Milliseconds(), 10)
}

func text(b []byte, s string, esc bool) []byte {
	if s == "" {
		return append(b, '-')
	}
	if !esc {
		return append(b, s...)
	}
	return jsonappend.LogText(b, s)
}

// number renders a status; 0 is none.
func number(b []byte, n int64) []byte {
	if n == 0 {
		return append(b, '-')
	}
	return strconv.AppendInt(b, n, 10)
}
