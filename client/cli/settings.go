package cli

import (
	"strings"

	"github.com/cloudperf/cloudperf/client/load"
)

// settings are the options that shaped the load, for the summary.
func (o *options) settings() *load.Settings {
	s := &load.Settings{
		Mode: o.mode.String(), Engine: o.engine, Method: o.method, BodyBytes: len(o.body),
		Timeout: load.Millis(o.timeout), MaxInFlight: o.maxInFlight, Tick: load.Millis(o.tick),
		KeepAlive: o.keepAlive, ConnMaxAge: load.Millis(o.connMaxAge), Insecure: o.insecure,
		Warmup: load.Millis(o.warmup), RequestLimit: o.requests,
	}
	for _, h := range o.headers {
		name, value, _ := strings.Cut(h, ":")
		s.Headers = append(s.Headers, load.RedactHeader(strings.TrimSpace(name), strings.TrimSpace(value)))
	}
	return s
}
