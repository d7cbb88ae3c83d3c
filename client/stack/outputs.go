// Package stack finds the load generator's target in a Pulumi stack's
// outputs: `client --from-stack NAME` reads the "endpoint" that infra/
// exported by running the pulumi CLI in the project the current folder
// belongs to. It links no Pulumi SDK.
//
// The output names and the walk up to Pulumi.yaml are infra/stack's, the
// contract infra/program exports by; it never imports infra/program, which
// would link the Kubernetes and Docker SDKs into the client.
package stack

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	contract "github.com/cloudperf/cloudperf/infra/stack"
)

// Outputs are a stack's outputs, typed. Only Endpoint is required; the
// others are zero when the stack does not export them (use Require).
type Outputs struct {
	Endpoint   string // absolute http(s) URL with host and port
	NodePort   int
	Namespace  string
	Deployment string
	Service    string
	HPA        string
	Image      string
	// Raw is every output as `pulumi stack output --json` gave it.
	Raw map[string]any
}

// Require reports the first of names the stack does not export.
func (o Outputs) Require(names ...string) error {
	for _, n := range names {
		if _, ok := o.Raw[n]; !ok {
			return &OutputMissingError{Output: n, Available: sortedKeys(o.Raw)}
		}
	}
	return nil
}

// DecodeOutputs types a stack's raw outputs (the JSON object `pulumi stack
// output --json` prints). The endpoint must be present and valid; any other
// known output, when present, must have its type.
func DecodeOutputs(raw map[string]any) (Outputs, error) {
	out := Outputs{Raw: raw}
	ep, ok := raw[contract.OutputEndpoint]
	if !ok {
		return out, &OutputMissingError{Output: contract.OutputEndpoint, Available: sortedKeys(raw)}
	}
	s, ok := ep.(string)
	if !ok {
		return out, &EndpointError{Value: fmt.Sprint(ep), Reason: "it is not a string"}
	}
	if err := checkEndpoint(s); err != nil {
		return out, err
	}
	out.Endpoint = s

	// A slice, not a map: with two bad outputs, the same one is reported every time.
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{contract.OutputNamespace, &out.Namespace},
		{contract.OutputDeployment, &out.Deployment},
		{contract.OutputService, &out.Service},
		{contract.OutputHPA, &out.HPA},
		{contract.OutputImage, &out.Image},
	} {
		name, dst := f.name, f.dst
		v, ok := raw[name]
		if !ok {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return out, &OutputTypeError{Output: name, Value: fmt.Sprint(v), Want: "a string"}
		}
		*dst = s
	}
	if v, ok := raw[contract.OutputNodePort]; ok {
		p, ok := toPort(v)
		if !ok {
			return out, &OutputTypeError{Output: contract.OutputNodePort, Value: fmt.Sprint(v), Want: "a port number from 1 to 65535"}
		}
		out.NodePort = p
	}
	return out, nil
}

// checkEndpoint accepts an absolute http or https URL with a host and a
// numeric port, e.g. http://192.168.49.2:30080.
func checkEndpoint(s string) error {
	bad := func(reason string) error { return &EndpointError{Value: s, Reason: reason} }
	if !strings.Contains(s, "://") {
		return bad("want an http:// or https:// URL with host and port")
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return bad("it is not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("want an http:// or https:// URL")
	case u.Opaque != "" || u.Hostname() == "":
		return bad("it has no host")
	case u.User != nil:
		return bad("it carries user information")
	case u.Port() == "":
		return bad("it has no port")
	case u.RawQuery != "" || u.Fragment != "":
		return bad("it has a query or fragment")
	}
	if p, err := strconv.Atoi(u.Port()); err != nil || p < 1 || p > 65535 {
		return bad("its port is not from 1 to 65535")
	}
	if strings.Contains(u.Hostname(), ":") && net.ParseIP(u.Hostname()) == nil {
		return bad("its host is not valid")
	}
	return nil
}

// toPort accepts the JSON forms of a port: a whole number or its string.
func toPort(v any) (int, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case json.Number:
		n, err := x.Float64()
		if err != nil {
			return 0, false
		}
		f = n
	case int:
		f = float64(x)
	case string:
		n, err := strconv.Atoi(x)
		if err != nil {
			return 0, false
		}
		f = float64(n)
	default:
		return 0, false
	}
	if f != math.Trunc(f) || f < 1 || f > 65535 {
		return 0, false
	}
	return int(f), true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
