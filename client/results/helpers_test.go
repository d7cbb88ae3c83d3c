package results

import (
	"testing"

	"github.com/cloudperf/cloudperf/client/plan"
)

func mustSchedule(t *testing.T, limit int64, stages ...plan.Stage) *plan.Schedule {
	t.Helper()
	s, err := plan.NewSchedule(stages, limit)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
