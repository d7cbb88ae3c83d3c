package results

// ClusterTimeline is what was observed of the target's Kubernetes workload
// during the run, on the run's clock (offsets from its start). The client's
// kube package fills it; the summary and report show it beside the load.
type ClusterTimeline struct {
	Namespace  string          `json:"namespace"`
	Deployment string          `json:"deployment"`
	HPA        string          `json:"hpa,omitempty"`
	Samples    []ClusterSample `json:"samples"`
	Events     []ClusterEvent  `json:"events"`
	// Unavailable says why nothing (or not everything) could be observed,
	// e.g. no kubeconfig or no permission; empty when observation worked.
	Unavailable string `json:"unavailable,omitempty"`
}

// ClusterSample is the workload's state at one instant.
type ClusterSample struct {
	At        Millis `json:"at_ms"`
	Desired   int32  `json:"desired"`   // Deployment spec.replicas
	Current   int32  `json:"current"`   // Deployment status.replicas
	Ready     int32  `json:"ready"`     // Deployment status.readyReplicas
	Available int32  `json:"available"` // Deployment status.availableReplicas
	Pods      int    `json:"pods"`      // pods matching the selector, not terminating
	// HPA state, when there is one: its desired replicas and the current
	// average CPU utilisation (percent of requests) it acts on; -1 when unknown.
	HPADesired     int32 `json:"hpa_desired"`
	CPUUtilization int32 `json:"cpu_utilization"`
	CPUTarget      int32 `json:"cpu_target"`
}

// ClusterEvent is a change worth marking on the timeline: a rescale, a pod
// becoming ready or going away, an HPA decision.
type ClusterEvent struct {
	At      Millis `json:"at_ms"`
	Kind    string `json:"kind"` // "scale", "pod-ready", "pod-gone", "hpa"
	Message string `json:"message"`
}
