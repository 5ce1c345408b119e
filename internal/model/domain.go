package model

import (
	"strings"
	"time"
)

// DomainName is a custom domain name. AWS keeps one namespace of domain
// names for both API types: a domain made through either API is seen
// through both, and its mappings may name HTTP or REST APIs. So one record
// serves apigateway's DomainName and apigatewayv2's.
type DomainName struct {
	// Name is the domain name in lower case, as DNS compares it.
	Name string
	// EndpointType is REGIONAL or EDGE; SecurityPolicy TLS_1_2 or TLS_1_0.
	EndpointType   string
	SecurityPolicy string
	// CertificateARN and CertificateName are recorded as given; gatehouse
	// serves the domain with a certificate of its own authority.
	CertificateARN  string `json:",omitempty"`
	CertificateName string `json:",omitempty"`
	// Target is the name AWS gives the domain's DNS records to point at
	// ("d-abcdefghij.execute-api.us-east-1.amazonaws.com").
	Target        string
	IPAddressType string `json:",omitempty"`
	CreatedDate   time.Time
	Tags          Tags
}

func (DomainName) Kind() string  { return "apigw-domain" }
func (d DomainName) Key() string { return d.Name }

// APIMapping maps a path of a custom domain to an API's stage: an
// apigatewayv2 API mapping or an apigateway base path mapping, which are
// the same thing seen through the two APIs. Key "domain/id".
type APIMapping struct {
	Domain string
	ID     string
	// Path is the mapping key without slashes at either end: "" for the
	// whole domain, "orders" or "orders/v1" (several levels).
	Path  string
	APIID string
	// Stage is empty for a base path mapping made without one: the
	// caller names the stage after the base path.
	Stage string `json:",omitempty"`
}

func (APIMapping) Kind() string  { return "apigw-apimapping" }
func (m APIMapping) Key() string { return m.Domain + "/" + m.ID }

// Endpoint types and security policies of a custom domain name.
const (
	EndpointRegional = "REGIONAL"
	EndpointEdge     = "EDGE"
	TLS12            = "TLS_1_2"
	TLS10            = "TLS_1_0"
)

// MultiLevel reports whether a mapping path has more than one level.
func MultiLevel(path string) bool {
	for i := 0; i < len(path); i++ {
		if path[i] == '/' {
			return true
		}
	}
	return false
}

// AllowsMultiLevel reports whether the domain takes mappings of several
// levels and HTTP APIs: AWS allows both on regional domains with the
// TLS 1.2 policy only.
func (d *DomainName) AllowsMultiLevel() bool {
	return d.EndpointType == EndpointRegional && d.SecurityPolicy == TLS12
}

// HostedZoneID is the Route 53 zone a domain's alias record names: API
// Gateway's regional zone of the region, or CloudFront's for an edge
// domain. Regions missing here answer us-east-1's.
func HostedZoneID(region, endpointType string) string {
	if endpointType == EndpointEdge {
		return "Z2FDTNDATAQYW2"
	}
	if z, ok := regionalZones[region]; ok {
		return z
	}
	return regionalZones["us-east-1"]
}

// regionalZones are API Gateway's regional hosted zones, as AWS lists them
// in its service endpoints table.
var regionalZones = map[string]string{
	"us-east-1": "Z1UJRXOUMOOFQ8", "us-east-2": "ZOJJZC49E0EPZ", "us-west-1": "Z2MUQ32089INYE",
	"us-west-2": "Z2OJLYMUO9EFXC", "af-south-1": "Z2DHW2332DAMTN", "ap-east-1": "Z3FD1VL90ND7K5",
	"ap-south-1": "Z3VO1THU9YC4UR", "ap-northeast-1": "Z1YSHQZHG15GKL", "ap-northeast-2": "Z20JF4UZKIW1U8",
	"ap-northeast-3": "Z22ILHG95FLSZ2", "ap-southeast-1": "ZL327KTPIQFUL", "ap-southeast-2": "Z2RPCDW04V8134",
	"ca-central-1": "Z19DQILCV0OWEC", "eu-central-1": "Z1U9ULNL0V5AJ3", "eu-west-1": "ZLY8HYME6SFDD",
	"eu-west-2": "ZJ5UAJN8Y3Z2Q", "eu-west-3": "Z3KY65QIEKYHQQ", "eu-north-1": "Z3UWIKFBOOGXPP",
	"eu-south-1": "Z3BT4WSQ9TDYZV", "sa-east-1": "ZCMLWB8V5SYIT", "me-south-1": "Z20ZBPC0SS8806",
}

// MappingPathProblem says what is wrong with a mapping path (without
// slashes at its ends), or "" when nothing is: AWS allows letters, digits
// and $-_.+!*'() in each level, levels joined by single slashes, and 300
// characters in all.
func MappingPathProblem(path string) string {
	if len(path) > 300 {
		return "it is longer than 300 characters"
	}
	if path == "" {
		return ""
	}
	prev := byte('/')
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case c == '/':
			if prev == '/' {
				return "it has an empty level"
			}
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '$' || c == '-' || c == '_' || c == '.' || c == '+' || c == '!' || c == '*' || c == '\'' || c == '(' || c == ')':
		default:
			return "only letters, digits, $-_.+!*'() and / between levels are allowed"
		}
		prev = c
	}
	if prev == '/' {
		return "it has an empty level"
	}
	return ""
}

// DomainNameProblem says what is wrong with a custom domain name, or ""
// when nothing is: DNS labels of letters, digits and hyphens, at least two
// of them, the first may be a wildcard "*".
func DomainNameProblem(name string) string {
	if len(name) == 0 || len(name) > 253 {
		return "it must be 1 to 253 characters long"
	}
	labels := 0
	start := 0
	for i := 0; i <= len(name); i++ {
		if i < len(name) && name[i] != '.' {
			continue
		}
		label := name[start:i]
		start = i + 1
		labels++
		if label == "*" && labels == 1 {
			continue
		}
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "each label must be 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen"
		}
		for j := 0; j < len(label); j++ {
			c := label[j]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return "each label must be 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen"
			}
		}
	}
	if labels < 2 {
		return "it must have at least two labels"
	}
	return ""
}

// The rules below hold for custom domains whichever API manages them:
// apigateway's domain names and base path mappings and apigatewayv2's
// domain names and API mappings are the same records, so the store reads
// and checks live here once and each service words the outcome its own way.

// GetDomain reads a domain name given in any case.
func GetDomain(tx Tx, name string) (*DomainName, bool, error) {
	return Get[DomainName](tx, strings.ToLower(name))
}

// DomainMappings lists a domain's mappings, in id order.
func DomainMappings(tx Tx, domain string) ([]*APIMapping, error) {
	return ListPrefix[APIMapping](tx, domain+"/")
}

// MappingAtPath finds the domain's mapping at a path (without slashes at
// its ends).
func MappingAtPath(tx Tx, domain, path string) (*APIMapping, bool, error) {
	var found *APIMapping
	err := Scan(tx, domain+"/", func(m *APIMapping) bool {
		if m.Path == path {
			found = m
		}
		return found == nil
	})
	return found, found != nil, err
}

// DeleteDomain deletes a domain and its mappings with it, as AWS does.
func DeleteDomain(tx Tx, d *DomainName) error {
	maps, err := DomainMappings(tx, d.Name)
	if err != nil {
		return err
	}
	for _, m := range maps {
		if err := Delete(tx, m); err != nil {
			return err
		}
	}
	return Delete(tx, d)
}

// MappedDomains names, in order and once each, the domains with a mapping
// that points at an API, or at one stage of it when stage is not empty:
// AWS refuses to delete an API or a stage while any remains.
func MappedDomains(tx Tx, apiID, stage string) ([]string, error) {
	var out []string
	err := Scan(tx, "", func(m *APIMapping) bool {
		if m.APIID == apiID && (stage == "" || m.Stage == stage) && (len(out) == 0 || out[len(out)-1] != m.Domain) {
			out = append(out, m.Domain)
		}
		return true
	})
	return out, err
}

// MappingRule is a rule a mapping about to be written can break.
type MappingRule int

// The rules CheckMapping applies, in the order it applies them.
const (
	MappingAllowed MappingRule = iota
	// MappingBadPath: the path is malformed (MappingPathProblem says how).
	MappingBadPath
	// MappingLevelsNotAllowed: a path of several levels on a domain that
	// does not take them.
	MappingLevelsNotAllowed
	// MappingHTTPNotAllowed: an HTTP API on a domain that does not take
	// them.
	MappingHTTPNotAllowed
	// MappingNoStage: an HTTP API mapped without a stage.
	MappingNoStage
	// MappingNoAPI: no REST or HTTP API has the id.
	MappingNoAPI
	// MappingNoSuchStage: the API has no stage of that name.
	MappingNoSuchStage
	// MappingPathTaken: another mapping of the domain has the path.
	MappingPathTaken
)

// CheckMapping answers the first rule that m, about to be written to
// domain d, breaks, or MappingAllowed: its path, that its API and stage
// exist and that the domain takes them, and that no other mapping of the
// domain has its path. A REST API may be mapped without a stage; the
// caller then names the stage after the path.
func CheckMapping(tx Tx, d *DomainName, m *APIMapping) (MappingRule, error) {
	if MappingPathProblem(m.Path) != "" {
		return MappingBadPath, nil
	}
	if MultiLevel(m.Path) && !d.AllowsMultiLevel() {
		return MappingLevelsNotAllowed, nil
	}
	_, isHTTP, err := Get[HTTPAPI](tx, m.APIID)
	if err != nil {
		return 0, err
	}
	var stageFound bool
	switch {
	case isHTTP:
		if !d.AllowsMultiLevel() {
			return MappingHTTPNotAllowed, nil
		}
		if m.Stage == "" {
			return MappingNoStage, nil
		}
		_, stageFound, err = Get[Stage](tx, m.APIID+"/"+m.Stage)
	default:
		var ok bool
		if _, ok, err = Get[RestAPI](tx, m.APIID); err != nil {
			return 0, err
		}
		if !ok {
			return MappingNoAPI, nil
		}
		stageFound = m.Stage == ""
		if !stageFound {
			_, stageFound, err = Get[RestStage](tx, m.APIID+"/"+m.Stage)
		}
	}
	if err != nil {
		return 0, err
	}
	if !stageFound {
		return MappingNoSuchStage, nil
	}
	taken := false
	err = Scan(tx, d.Name+"/", func(o *APIMapping) bool {
		taken = o.ID != m.ID && o.Path == m.Path
		return !taken
	})
	if err != nil {
		return 0, err
	}
	if taken {
		return MappingPathTaken, nil
	}
	return MappingAllowed, nil
}
