package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The testdata files are real runs at 50/s for 1 s against nginx (and, for
// -refused, against a closed port), captured with the versions make
// bench-tools installs.
func TestParsers(t *testing.T) {
	second := time.Second
	tests := []struct {
		file   string
		window time.Duration
		want   outcome
		p50    [2]time.Duration // bounds the median lies within
	}{
		{file: "client.json", want: outcome{sent: 50, ok: 50}, p50: [2]time.Duration{2 * time.Millisecond, 3 * time.Millisecond}},
		{file: "client-refused.json", want: outcome{sent: 50, ok: 0}, p50: [2]time.Duration{0, time.Millisecond}},
		{file: "vegeta.csv", window: second, want: outcome{sent: 50, ok: 50}, p50: [2]time.Duration{3 * time.Millisecond, 4 * time.Millisecond}},
		{file: "vegeta.csv", window: second / 2, want: outcome{sent: 26, ok: 26}, p50: [2]time.Duration{time.Microsecond, 10 * time.Millisecond}},
		{file: "vegeta-refused.csv", window: second, want: outcome{sent: 50, ok: 0}, p50: [2]time.Duration{0, time.Millisecond}},
		{file: "fortio.json", want: outcome{sent: 50, ok: 50}, p50: [2]time.Duration{3 * time.Millisecond, 4 * time.Millisecond}},
		// hey sent five requests after its -z 1s: they fall outside the window.
		{file: "hey.csv", window: second, want: outcome{sent: 45, ok: 45}, p50: [2]time.Duration{time.Microsecond, 100 * time.Millisecond}},
		{file: "hey.csv", window: 2 * second, want: outcome{sent: 50, ok: 50}, p50: [2]time.Duration{time.Microsecond, 100 * time.Millisecond}},
		{file: "hey-refused.csv", window: second, want: outcome{}},
		// bombardier sent one more than its rate asked for in the second.
		{file: "bombardier.json", want: outcome{sent: 51, ok: 51}, p50: [2]time.Duration{time.Microsecond, 100 * time.Millisecond}},
		{file: "bombardier-refused.json", want: outcome{sent: 50, ok: 0}, p50: [2]time.Duration{time.Microsecond, time.Millisecond}},
	}
	parse := map[string]func(raw []byte, window time.Duration) (outcome, error){
		"client":     func(raw []byte, _ time.Duration) (outcome, error) { return parseClient(raw) },
		"vegeta":     func(raw []byte, w time.Duration) (outcome, error) { return parseVegetaCSV(bytes.NewReader(raw), w) },
		"fortio":     func(raw []byte, _ time.Duration) (outcome, error) { return parseFortio(raw) },
		"hey":        func(raw []byte, w time.Duration) (outcome, error) { return parseHeyCSV(bytes.NewReader(raw), w) },
		"bombardier": func(raw []byte, _ time.Duration) (outcome, error) { return parseBombardier(raw) },
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.window.String(), func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			tool, _, _ := strings.Cut(strings.TrimSuffix(tt.file, filepath.Ext(tt.file)), "-")
			got, err := parse[tool](raw, tt.window)
			if err != nil {
				t.Fatal(err)
			}
			if got.sent != tt.want.sent || got.ok != tt.want.ok {
				t.Errorf("sent %d, ok %d; want %d, %d", got.sent, got.ok, tt.want.sent, tt.want.ok)
			}
			if got.p50 < tt.p50[0] || got.p50 > tt.p50[1] {
				t.Errorf("p50 %v outside %v", got.p50, tt.p50)
			}
		})
	}
}

func TestParsersRefuseWhatIsNotTheirFormat(t *testing.T) {
	notes := []byte("Summary:\n  Total: 1.0 secs\n")
	for name, err := range map[string]error{
		"client":     second(parseClient(notes)),
		"vegeta":     second(parseVegetaCSV(bytes.NewReader(notes), time.Second)),
		"fortio":     second(parseFortio(notes)),
		"hey":        second(parseHeyCSV(bytes.NewReader(notes), time.Second)),
		"bombardier": second(parseBombardier(notes)),
	} {
		if err == nil || !strings.HasPrefix(err.Error(), name) {
			t.Errorf("%s on text: %v, want an error naming the tool", name, err)
		}
	}
}

func second(_ outcome, err error) error { return err }

func TestHeld(t *testing.T) {
	tests := []struct {
		name string
		o    outcome
		want bool
	}{
		{"all due, all OK", outcome{sent: 10000, ok: 10000}, true},
		{"1% short", outcome{sent: 9900, ok: 9900}, true},
		{"more than 1% short", outcome{sent: 9899, ok: 9899}, false},
		{"one failure", outcome{sent: 10000, ok: 9999}, false},
		{"nothing", outcome{}, false},
	}
	for _, tt := range tests {
		if got := tt.o.held(10000, time.Second); got != tt.want {
			t.Errorf("%s: held = %v, want %v", tt.name, got, tt.want)
		}
	}
}
