package results

// DispatchStats describe the dispatcher; read them after Results is drained.
type DispatchStats struct {
	Dispatched  int64 // requests sent
	Dropped     int64 // requests due that were never sent: the schedule's time was up (see load.EndGrace)
	Capped      int64 // dispatches that waited for a free in-flight slot
	PeakWorkers int   // most requests outstanding at once
	Interrupted bool  // stopped before the schedule ended
}
