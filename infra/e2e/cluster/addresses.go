package cluster

// The node's addresses, all inside namespaces this package creates (RFC 5737
// documentation ranges: nothing here can leave the machine).
const (
	podSubnet     = "203.0.113.0/24" // the CNI bridge's range, inside the node
	podGateway    = "203.0.113.1"
	serviceSubnet = "192.0.2.0/24" // ClusterIPs, handled by kube-proxy inside the node
	serviceFirst  = "192.0.2.1"    // the "kubernetes" Service
	linkPrefix    = "198.51.100."  // a /30 per node on the host: .4k+1 host side, .4k+2 the node
	ownerEnv      = "CLOUDPERF_NODE_OWNER"
	cgroupPrefix  = "cloudperf-node-"
)
