package cli

import (
	"strings"

	"github.com/cloudperf/cloudperf/client/results"
)

// settings are the options that shaped the load, for the summary.
func (o *options) settings() *results.Settings {
	s := &results.Settings{
		Mode: o.mode.String(), Engine: o.engine, Method: o.method, BodyBytes: len(o.body),
		Timeout: results.Millis(o.timeout), MaxInFlight: o.maxInFlight, Tick: results.Millis(o.tick),
		KeepAlive: o.keepAlive, ConnMaxAge: results.Millis(o.connMaxAge), Insecure: o.insecure,
		Warmup: results.Millis(o.warmup), RequestLimit: o.requests,
	}
	for _, h := range o.headers {
		name, value, _ := strings.Cut(h, ":")
		s.Headers = append(s.Headers, results.RedactHeader(strings.TrimSpace(name), strings.TrimSpace(value)))
	}
	return s
}
