package cluster

import (
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// kubeconfigName is the cluster, user and context name written into every kubeconfig.
const kubeconfigName = "cloudperf-e2e"

// newKubeconfig returns a kubeconfig for one user of the apiserver at server,
// with the CA and the client cert embedded (no file references, so it stays
// valid if copied elsewhere).
func newKubeconfig(server string, caPEM []byte, user string, client *keyPair) *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[kubeconfigName] = &clientcmdapi.Cluster{
		Server:                   server,
		CertificateAuthorityData: caPEM,
	}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{
		ClientCertificateData: client.CertPEM,
		ClientKeyData:         client.KeyPEM,
	}
	cfg.Contexts[kubeconfigName] = &clientcmdapi.Context{
		Cluster:  kubeconfigName,
		AuthInfo: user,
	}
	cfg.CurrentContext = kubeconfigName
	return cfg
}

// writeKubeconfig writes cfg to path (mode 0600).
func writeKubeconfig(cfg *clientcmdapi.Config, path string) error {
	return clientcmd.WriteToFile(*cfg, path)
}
