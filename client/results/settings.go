package results

import (
	"fmt"
	"strings"
)

// Settings are what shaped the load besides its schedule (the stages are in
// Summary.Stages): a summary says how its load was made, and the report
// shows it.
type Settings struct {
	Mode         string   `json:"mode"`   // as asked: auto, sync or async (Summary.Mode is what ran)
	Engine       string   `json:"engine"` // fasthttp or net/http
	Method       string   `json:"method"`
	Headers      []string `json:"headers,omitempty"` // "Name: value" as given; credentials redacted
	BodyBytes    int      `json:"body_bytes"`
	Timeout      Millis   `json:"timeout_ms"`
	MaxInFlight  int      `json:"max_in_flight"`
	Tick         Millis   `json:"tick_ms"` // 0: each request at its own time
	KeepAlive    bool     `json:"keepalive"`
	ConnMaxAge   Millis   `json:"conn_max_age_ms"` // 0: never reconnect
	Insecure     bool     `json:"insecure,omitempty"`
	Warmup       Millis   `json:"warmup_ms,omitempty"`
	RequestLimit int64    `json:"request_limit,omitempty"`
}

// Lines are the settings for people, one a line.
func (s Settings) Lines() [][2]string {
	tick := "none (each request at its own time)"
	if s.Tick > 0 {
		tick = FormatDuration(s.Tick.D())
	}
	conns := "a new connection per request"
	if s.KeepAlive {
		conns = "kept alive"
		if s.ConnMaxAge > 0 {
			conns += ", reconnected after " + FormatDuration(s.ConnMaxAge.D())
		}
	}
	if s.Insecure {
		conns += "; any TLS certificate accepted"
	}
	req := s.Method
	if s.BodyBytes > 0 {
		req += fmt.Sprintf(" with a %d-byte body", s.BodyBytes)
	}
	if len(s.Headers) > 0 {
		req += "; " + strings.Join(s.Headers, "; ")
	}
	out := [][2]string{
		{"Request", req},
		{"Dispatch", fmt.Sprintf("mode %s; in-flight cap %d; tick %s", s.Mode, s.MaxInFlight, tick)},
		{"HTTP client", fmt.Sprintf("%s; timeout %s; %s", s.Engine, FormatDuration(s.Timeout.D()), conns)},
	}
	if s.Warmup > 0 || s.RequestLimit > 0 {
		var limits []string
		if s.Warmup > 0 {
			limits = append(limits, "warm-up "+FormatDuration(s.Warmup.D()))
		}
		if s.RequestLimit > 0 {
			limits = append(limits, fmt.Sprintf("at most %d requests", s.RequestLimit))
		}
		out = append(out, [2]string{"Limits", strings.Join(limits, "; ")})
	}
	return out
}

// credentialHeaders are headers whose values a summary never shows.
var credentialHeaders = []string{"authorization", "proxy-authorization", "cookie", "x-api-key", "x-auth-token"}

// RedactHeader is "Name: value" with the value hidden when it is a credential.
func RedactHeader(name, value string) string {
	n := strings.ToLower(name)
	for _, c := range credentialHeaders {
		if n == c {
			return name + ": (redacted)"
		}
	}
	if strings.Contains(n, "token") || strings.Contains(n, "secret") || strings.Contains(n, "password") {
		return name + ": (redacted)"
	}
	return name + ": " + value
}
