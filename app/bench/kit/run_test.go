package kit

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// holdEnv makes the test binary a tool that holds 64 MiB of written memory
// for half a second, for the anonymous-RSS test.
const holdEnv = "CLOUDPERF_KIT_HOLD"

func TestMain(m *testing.M) {
	if os.Getenv(holdEnv) != "" {
		held := make([]byte, 64<<20)
		for i := range held {
			held[i] = 1
		}
		time.Sleep(500 * time.Millisecond)
		if held[len(held)-1] != 1 {
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

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

// The anonymous peak is sampled from the tool's /proc: a tool holding 64 MiB
// it wrote shows them, the bench's own memory (128 MiB here) does not count,
// and it never exceeds the tool's whole peak.
func TestGenerateSamplesTheToolsAnonymousPeak(t *testing.T) {
	for _, tool := range []string{"taskset", TimeCommand} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s", tool)
		}
	}
	held := make([]byte, 128<<20)
	for i := range held {
		held[i] = 1
	}
	t.Setenv(holdEnv, "1")
	r, err := Generate(time.Minute, os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	// No upper bound but the whole peak: under -race the tool (this test
	// binary) holds several times what it wrote, in the race detector's
	// shadow memory.
	if r.MaxAnon < 64<<20 || r.MaxAnon > r.MaxRSS {
		t.Errorf("anonymous peak %d bytes (whole peak %d), want at least 64 MiB and at most the whole", r.MaxAnon, r.MaxRSS)
	}
	if held[len(held)-1] != 1 {
		t.Fatal("unreachable: keeps held alive")
	}
}

func TestAnonKiB(t *testing.T) {
	for _, tc := range []struct {
		status string
		kib    int64
		ok     bool
	}{
		{"Name:\tclient\nVmRSS:\t   25524 kB\nRssAnon:\t    7752 kB\nRssFile:\t   17772 kB\n", 7752, true},
		{"RssAnon:\t0 kB", 0, true},
		{"Name:\tkthreadd\nVmRSS:\t0 kB\n", 0, false},
		{"RssAnon:\tlots kB\n", 0, false},
	} {
		kib, ok := anonKiB(tc.status)
		if kib != tc.kib || ok != tc.ok {
			t.Errorf("anonKiB(%q) = %d, %v; want %d, %v", tc.status, kib, ok, tc.kib, tc.ok)
		}
	}
}
