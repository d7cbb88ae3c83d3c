package report

import (
	"strings"
	"testing"

	"github.com/cloudperf/cloudperf/client/results"
)

func TestAutoscalingInReport(t *testing.T) {
	s := testSummary(t)
	s.Cluster = testCluster()
	s.Autoscaling = results.AnalyzeAutoscaling(s)
	if s.Autoscaling == nil || s.Autoscaling.DecisionAfter == nil {
		t.Fatalf("the test cluster has a scale-up: %+v", s.Autoscaling)
	}
	page := render(t, s)
	// The ramp starts at 25 s; the HPA event at 29.6 s; the sixth pod is
	// ready at 40.4 s (its sample at 42 s).
	for _, want := range []string{"Did autoscaling keep up?", "at 0:25.0, 60.0/s → 180.0/s (3 ready)",
		"to 6 replicas, 4.60s after the rise", "15.4s after the rise", "Pod-seconds", "Failed while pods changed"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	s.Autoscaling = nil
	if page := render(t, s); strings.Contains(page, "Did autoscaling keep up?") {
		t.Error("a section without an analysis")
	}
}
