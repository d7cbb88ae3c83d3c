package kit

import (
	"os/exec"
	"testing"
	"time"
)

// The peak RSS is the tool's own, however much memory the bench holds when
// it starts the tool: here 128 MiB, for a tool (true) that needs about 1.
func TestGeneratePeakRSSIsTheToolsOwn(t *testing.T) {
	for _, tool := range []string{"taskset", TimeCommand, "true"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	held := make([]byte, 128<<20)
	for i := range held {
		held[i] = 1
	}
	r, err := Generate(time.Minute, "true")
	if err != nil {
		t.Fatal(err)
	}
	if r.MaxRSS <= 0 || r.MaxRSS > 32<<20 {
		t.Errorf("peak RSS of true: %d bytes, want 0 < it ≤ 32 MiB", r.MaxRSS)
	}
	if held[len(held)-1] != 1 {
		t.Fatal("unreachable: keeps held alive")
	}
}

func TestGenerateQuotesTheToolsError(t *testing.T) {
	if _, err := exec.LookPath("taskset"); err != nil {
		t.Skip("no taskset")
	}
	_, err := Generate(time.Minute, "sh", "-c", "echo 'bad flag -x' >&2; exit 2")
	if err == nil || err.Error() != "sh: exit status 2: bad flag -x" {
		t.Errorf("error %v, want the tool's name, status and first line of stderr", err)
	}
}
