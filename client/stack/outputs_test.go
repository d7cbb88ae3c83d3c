package stack

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	contract "github.com/cloudperf/cloudperf/infra/stack"
)

// full is what infra/ exports, as `pulumi stack output --json` prints it.
const full = `{
  "endpoint": "http://192.168.49.2:30080",
  "nodePort": 30080,
  "namespace": "default",
  "deployment": "cloudperf-1a2b3c4d",
  "service": "cloudperf-5e6f7a8b",
  "hpa": "cloudperf-9c0d1e2f",
  "image": "cloudperf-app:0123456789abcdef"
}`

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var raw map[string]any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestDecodeOutputsFull(t *testing.T) {
	raw := decodeJSON(t, full)
	got, err := DecodeOutputs(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := Outputs{
		Endpoint:   "http://192.168.49.2:30080",
		NodePort:   30080,
		Namespace:  "default",
		Deployment: "cloudperf-1a2b3c4d",
		Service:    "cloudperf-5e6f7a8b",
		HPA:        "cloudperf-9c0d1e2f",
		Image:      "cloudperf-app:0123456789abcdef",
		Raw:        raw,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeOutputs = %+v\nwant %+v", got, want)
	}
	if err := got.Require(contract.OutputNames()...); err != nil {
		t.Errorf("Require(all): %v", err)
	}
}

func TestDecodeOutputs(t *testing.T) {
	for _, tc := range []struct {
		name string
		json string
		want Outputs // without Raw
		err  error   // nil, or a value of the wanted error type
		msg  string  // part of the message
	}{
		{name: "endpoint only", json: `{"endpoint": "http://127.0.0.1:30080"}`,
			want: Outputs{Endpoint: "http://127.0.0.1:30080"}},
		{name: "https and a host name", json: `{"endpoint": "https://perf.example.com:443"}`,
			want: Outputs{Endpoint: "https://perf.example.com:443"}},
		{name: "ipv6", json: `{"endpoint": "http://[fd00::1]:30080"}`,
			want: Outputs{Endpoint: "http://[fd00::1]:30080"}},
		{name: "node port as string", json: `{"endpoint": "http://h:1", "nodePort": "30080"}`,
			want: Outputs{Endpoint: "http://h:1", NodePort: 30080}},
		{name: "unknown outputs are kept raw", json: `{"endpoint": "http://h:1", "extra": [1, 2]}`,
			want: Outputs{Endpoint: "http://h:1"}},

		{name: "no outputs", json: `{}`, err: new(OutputMissingError), msg: `no output "endpoint", nor any other`},
		{name: "no endpoint", json: `{"namespace": "default", "hpa": "x"}`,
			err: new(OutputMissingError), msg: `no output "endpoint"; its outputs: hpa, namespace`},
		{name: "endpoint not a string", json: `{"endpoint": 30080}`, err: new(EndpointError), msg: "not a string"},
		{name: "no scheme", json: `{"endpoint": "127.0.0.1:30080"}`, err: new(EndpointError), msg: `"127.0.0.1:30080"`},
		{name: "ftp", json: `{"endpoint": "ftp://h:21"}`, err: new(EndpointError), msg: "want an http:// or https:// URL"},
		{name: "no port", json: `{"endpoint": "http://127.0.0.1"}`, err: new(EndpointError), msg: "it has no port"},
		{name: "no host", json: `{"endpoint": "http://:30080"}`, err: new(EndpointError), msg: "it has no host"},
		{name: "port zero", json: `{"endpoint": "http://h:0"}`, err: new(EndpointError), msg: "not from 1 to 65535"},
		{name: "port too big", json: `{"endpoint": "http://h:70000"}`, err: new(EndpointError), msg: "not from 1 to 65535"},
		{name: "relative", json: `{"endpoint": "/api"}`, err: new(EndpointError), msg: "want an http"},
		{name: "empty", json: `{"endpoint": ""}`, err: new(EndpointError), msg: `output "" is not a usable endpoint`},
		{name: "user info", json: `{"endpoint": "http://u:p@h:1"}`, err: new(EndpointError), msg: "user information"},
		{name: "query", json: `{"endpoint": "http://h:1/?x=1"}`, err: new(EndpointError), msg: "query"},
		{name: "unresolved", json: `{"endpoint": "[secret]"}`, err: new(EndpointError), msg: `"[secret]"`},
		{name: "node port fraction", json: `{"endpoint": "http://h:1", "nodePort": 30080.5}`,
			err: new(OutputTypeError), msg: `output "nodePort" is "30080.5", want a port number`},
		{name: "node port zero", json: `{"endpoint": "http://h:1", "nodePort": 0}`, err: new(OutputTypeError)},
		{name: "namespace not a string", json: `{"endpoint": "http://h:1", "namespace": {"a": 1}}`,
			err: new(OutputTypeError), msg: `output "namespace"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := decodeJSON(t, tc.json)
			got, err := DecodeOutputs(raw)
			if tc.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				tc.want.Raw = raw
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("got %+v, want %+v", got, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %+v", got)
			}
			if reflect.TypeOf(err) != reflect.TypeOf(tc.err) {
				t.Errorf("error %T (%v), want %T", err, err, tc.err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not contain %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestRequire(t *testing.T) {
	out, err := DecodeOutputs(map[string]any{"endpoint": "http://h:1", "namespace": "default"})
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Require(contract.OutputEndpoint, contract.OutputNamespace); err != nil {
		t.Error(err)
	}
	err = out.Require(contract.OutputNamespace, contract.OutputHPA, contract.OutputDeployment)
	var missing *OutputMissingError
	if !errors.As(err, &missing) || missing.Output != contract.OutputHPA {
		t.Fatalf("Require = %v, want hpa missing", err)
	}
	if want := []string{"endpoint", "namespace"}; !reflect.DeepEqual(missing.Available, want) {
		t.Errorf("Available = %v, want %v", missing.Available, want)
	}
}

// FuzzDecodeOutputs feeds the decoder arbitrary output maps: it must never
// panic, accept only usable endpoints, and fail with one-line messages.
func FuzzDecodeOutputs(f *testing.F) {
	for _, seed := range []string{
		full,
		`{}`,
		`{"endpoint": "http://127.0.0.1:30080"}`,
		`{"endpoint": "http://[::1]:1", "nodePort": "65535"}`,
		`{"endpoint": "https://h:443/path", "nodePort": 1e3}`,
		`{"endpoint": "http://h:99999"}`,
		`{"endpoint": "http://h:1\n", "namespace": null}`,
		`{"endpoint": null, "hpa": 1}`,
		`{"endpoint": ["http://h:1"]}`,
		`{"endpoint": "http://%zz:1"}`,
		`{"endpoint": "http://h:1", "nodePort": -1}`,
		`{"endpoint": "http://h:1", "nodePort": 1.5}`,
		`{"endpoint": "http://h:+1"}`,
		`{"endpoint": "http://h:01"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var raw map[string]any
		if json.Unmarshal(data, &raw) != nil || raw == nil {
			return
		}
		out, err := DecodeOutputs(raw)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error: %q", err)
			}
			return
		}
		if cerr := checkEndpoint(out.Endpoint); cerr != nil || out.Endpoint != raw[contract.OutputEndpoint] {
			t.Fatalf("accepted endpoint %q: %v", out.Endpoint, cerr)
		}
		if _, ok := raw[contract.OutputNodePort]; ok && (out.NodePort < 1 || out.NodePort > 65535) {
			t.Fatalf("accepted node port %d from %v", out.NodePort, raw[contract.OutputNodePort])
		}
		if !reflect.DeepEqual(out.Raw, raw) {
			t.Fatal("Raw is not the input")
		}
	})
}
