package main

import (
	"errors"
	"os/exec"
	"testing"
)

// The floor's line as floor/floor.c prints it, and what it must not pass for.
func TestParseFloor(t *testing.T) {
	tests := []struct {
		raw     string
		want    outcome
		wantErr bool
	}{
		{raw: `{"conns":50,"rate":20000,"sent":40000,"ok":39990,"seconds":2.001,"answers_per_epoll_wait":5.90,"cpu_us_per_request":10.73,"user_us_per_request":0.65,"system_us_per_request":10.08}` + "\n",
			want: outcome{sent: 40000, ok: 39990}},
		{raw: `{"sent":0,"ok":0}`, want: outcome{}},
		{raw: `{"conns":50}`, wantErr: true},
		{raw: "floor: the server closed a connection\n", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseFloor([]byte(tt.raw))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseFloor(%q) = %+v, %v; want %+v, error %v", tt.raw, got, err, tt.want, tt.wantErr)
		}
	}
}

// The embedded floor.c compiles warning-free (-Wall -Wextra, as the bench
// builds it) into a program that checks its arguments; without gcc the bench
// gets an error to print, not a crash.
func TestBuildFloor(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc")
	}
	dir := t.TempDir()
	bin, err := buildFloor(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("gcc", "-O2", "-Wall", "-Wextra", "-fsyntax-only", dir+"/floor.c").CombinedOutput()
	if len(out) > 0 {
		t.Errorf("gcc warns about floor.c:\n%s", out)
	}
	var exit *exec.ExitError
	if err := exec.Command(bin).Run(); !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Errorf("floor with no arguments: %v, want exit status 2 (usage)", err)
	}
	t.Setenv("PATH", "")
	if _, err := buildFloor(t.TempDir()); err == nil {
		t.Error("buildFloor without gcc on PATH: no error")
	}
}
