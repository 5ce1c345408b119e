package elbv2

import (
	"context"
	"strconv"
)

// The fixed catalogue ELBv2 answers for every account: its predefined
// security policies and its default quotas. Neither depends on the store.

type DescribeSSLPoliciesInput struct {
	Names            []string `query:"Names"`
	LoadBalancerType string   `query:"LoadBalancerType"`
	Marker           string   `query:"Marker"`
	PageSize         *int     `query:"PageSize"`
}

type DescribeSSLPoliciesOutput struct {
	SslPolicies []SslPolicy `xml:"SslPolicies>member"`
	NextMarker  string      `xml:"NextMarker,omitempty"`
}

// SslPolicy is a security policy as ELBv2 describes it.
type SslPolicy struct {
	Name                       string   `xml:"Name"`
	SslProtocols               []string `xml:"SslProtocols>member"`
	Ciphers                    []Cipher `xml:"Ciphers>member"`
	SupportedLoadBalancerTypes []string `xml:"SupportedLoadBalancerTypes>member"`
}

// Cipher is one cipher of a policy, in the order the balancer prefers it.
type Cipher struct {
	Name     string `xml:"Name"`
	Priority int    `xml:"Priority"`
}

// defaultSSLPolicy is the policy an HTTPS or TLS listener created through
// the API gets when it names none.
const defaultSSLPolicy = "ELBSecurityPolicy-2016-08"

// The cipher families the predefined policies are built from.
var (
	tls13Ciphers  = []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}
	ecdheGCM128   = []string{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"}
	ecdheSHA256   = []string{"ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256"}
	ecdheSHA1x128 = []string{"ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA"}
	ecdheGCM256   = []string{"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"}
	ecdheSHA384   = []string{"ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384"}
	ecdheSHA1x256 = []string{"ECDHE-RSA-AES256-SHA", "ECDHE-ECDSA-AES256-SHA"}
	rsaTLS12      = []string{"AES128-GCM-SHA256", "AES128-SHA256", "AES256-GCM-SHA384", "AES256-SHA256"}
	rsaAll        = []string{"AES128-GCM-SHA256", "AES128-SHA256", "AES128-SHA", "AES256-GCM-SHA384", "AES256-SHA256", "AES256-SHA"}
)

func ciphers(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// sslPolicies are the predefined policies, newest recommendations first as
// AWS lists them. Every one applies to both ALBs and NLBs.
var sslPolicies = []struct {
	name      string
	protocols []string
	ciphers   []string
}{
	{"ELBSecurityPolicy-TLS13-1-2-2021-06", []string{"TLSv1.2", "TLSv1.3"},
		ciphers(tls13Ciphers, ecdheGCM128, ecdheSHA256, ecdheGCM256, ecdheSHA384, rsaTLS12)},
	{"ELBSecurityPolicy-TLS13-1-2-Res-2021-06", []string{"TLSv1.2", "TLSv1.3"},
		ciphers(tls13Ciphers, ecdheGCM128, ecdheGCM256)},
	{"ELBSecurityPolicy-TLS13-1-3-2021-06", []string{"TLSv1.3"}, tls13Ciphers},
	{"ELBSecurityPolicy-2016-08", []string{"TLSv1", "TLSv1.1", "TLSv1.2"},
		ciphers(ecdheGCM128, ecdheSHA256, ecdheSHA1x128, ecdheGCM256, ecdheSHA384, ecdheSHA1x256, rsaAll)},
	{"ELBSecurityPolicy-TLS-1-2-2017-01", []string{"TLSv1.2"},
		ciphers(ecdheGCM128, ecdheSHA256, ecdheGCM256, ecdheSHA384, rsaTLS12)},
	{"ELBSecurityPolicy-TLS-1-2-Ext-2018-06", []string{"TLSv1.2"},
		ciphers(ecdheGCM128, ecdheSHA256, ecdheSHA1x128, ecdheGCM256, ecdheSHA384, ecdheSHA1x256, rsaAll)},
	{"ELBSecurityPolicy-TLS-1-1-2017-01", []string{"TLSv1.1", "TLSv1.2"},
		ciphers(ecdheGCM128, ecdheSHA256, ecdheSHA1x128, ecdheGCM256, ecdheSHA384, ecdheSHA1x256, rsaAll)},
	{"ELBSecurityPolicy-FS-1-2-Res-2020-10", []string{"TLSv1.2"}, ciphers(ecdheGCM128, ecdheGCM256)},
	{"ELBSecurityPolicy-2015-05", []string{"TLSv1", "TLSv1.1", "TLSv1.2"},
		ciphers(ecdheGCM128, ecdheSHA256, ecdheSHA1x128, ecdheGCM256, ecdheSHA384, ecdheSHA1x256, rsaAll)},
}

func knownSSLPolicy(name string) bool {
	for _, p := range sslPolicies {
		if p.name == name {
			return true
		}
	}
	return false
}

func sslPolicyShape(i int) SslPolicy {
	p := sslPolicies[i]
	out := SslPolicy{Name: p.name, SslProtocols: p.protocols, SupportedLoadBalancerTypes: []string{"application", "network"}}
	for n, c := range p.ciphers {
		out.Ciphers = append(out.Ciphers, Cipher{Name: c, Priority: n + 1})
	}
	return out
}

func (s *Service) DescribeSSLPolicies(ctx context.Context, in *DescribeSSLPoliciesInput) (*DescribeSSLPoliciesOutput, error) {
	switch in.LoadBalancerType {
	case "", "application", "network":
	case "gateway":
		// Gateway Load Balancers terminate no TLS: no policy applies.
		return &DescribeSSLPoliciesOutput{SslPolicies: []SslPolicy{}}, nil
	default:
		return nil, validation("1 validation error detected: Value '%s' at 'loadBalancerType' failed to satisfy constraint: Member must satisfy enum value set: [application, gateway, network]", in.LoadBalancerType)
	}
	var picked []int
	if len(in.Names) == 0 {
		for i := range sslPolicies {
			picked = append(picked, i)
		}
	}
	for _, name := range in.Names {
		found := false
		for i, p := range sslPolicies {
			if p.name == name {
				picked, found = append(picked, i), true
				break
			}
		}
		if !found {
			return nil, sslPolicyNotFound(name)
		}
	}
	page, next, err := paginate(len(picked), in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &DescribeSSLPoliciesOutput{SslPolicies: []SslPolicy{}, NextMarker: next}
	for _, i := range picked[page[0]:page[1]] {
		out.SslPolicies = append(out.SslPolicies, sslPolicyShape(i))
	}
	return out, nil
}

type DescribeAccountLimitsInput struct {
	Marker   string `query:"Marker"`
	PageSize *int   `query:"PageSize"`
}

type DescribeAccountLimitsOutput struct {
	Limits     []Limit `xml:"Limits>member"`
	NextMarker string  `xml:"NextMarker,omitempty"`
}

// Limit is one quota; ELBv2 sends its maximum as a string.
type Limit struct {
	Name string `xml:"Name"`
	Max  string `xml:"Max"`
}

// accountLimits are ELBv2's default quotas per region, in the order AWS
// lists them. gatehouse reports them; it does not enforce them.
var accountLimits = []struct {
	name string
	max  int
}{
	{"application-load-balancers", 50},
	{"condition-values-per-alb-rule", 5},
	{"condition-wildcards-per-alb-rule", 5},
	{"gateway-load-balancers", 100},
	{"gateway-load-balancers-per-vpc", 100},
	{"geneve-target-groups", 100},
	{"listeners-per-application-load-balancer", 50},
	{"listeners-per-network-load-balancer", 50},
	{"network-load-balancers", 50},
	{"rules-per-application-load-balancer", 100},
	{"target-groups", 3000},
	{"target-groups-per-action-on-application-load-balancer", 5},
	{"target-groups-per-action-on-network-load-balancer", 1},
	{"target-groups-per-application-load-balancer", 100},
	{"targets-per-application-load-balancer", 1000},
	{"targets-per-availability-zone-per-gateway-load-balancer", 300},
	{"targets-per-availability-zone-per-network-load-balancer", 500},
	{"targets-per-network-load-balancer", 3000},
}

func (s *Service) DescribeAccountLimits(ctx context.Context, in *DescribeAccountLimitsInput) (*DescribeAccountLimitsOutput, error) {
	page, next, err := paginate(len(accountLimits), in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &DescribeAccountLimitsOutput{Limits: []Limit{}, NextMarker: next}
	for _, l := range accountLimits[page[0]:page[1]] {
		out.Limits = append(out.Limits, Limit{Name: l.name, Max: strconv.Itoa(l.max)})
	}
	return out, nil
}

// paginate picks the window [from, to) of n items that a Marker and
// PageSize (1 to 400) ask for, and the marker of the next page. Markers
// are opaque to callers; here they are the index of the next item.
func paginate(n int, marker string, pageSize *int) (window [2]int, next string, err error) {
	size := 400
	if pageSize != nil {
		if *pageSize < 1 || *pageSize > 400 {
			return window, "", validation("1 validation error detected: Value '%d' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400", *pageSize)
		}
		size = *pageSize
	}
	from := 0
	if marker != "" {
		from, err = strconv.Atoi(marker)
		if err != nil || from < 0 || from > n {
			return window, "", validation("Invalid marker '%s'", marker)
		}
	}
	to := min(from+size, n)
	if to < n {
		next = strconv.Itoa(to)
	}
	return [2]int{from, to}, next, nil
}
