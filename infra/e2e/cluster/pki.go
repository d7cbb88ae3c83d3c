package cluster

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certValidity is how long generated certificates are valid. The cluster is
// thrown away after one test run, so a day is plenty; NotBefore is backdated to
// tolerate small clock differences.
const certValidity = 24 * time.Hour

// keyPair is a certificate with its private key, in parsed and PEM form.
type keyPair struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
	KeyPEM  []byte
}

// pki holds every credential the control plane needs. Keys are ECDSA P-256:
// generating eight RSA-2048 keys costs about a second on a small machine,
// ECDSA keys cost microseconds, and every component accepts them.
type pki struct {
	CA                *keyPair // cluster CA: signs serving and client certs, trusted by --client-ca-file
	APIServer         *keyPair // kube-apiserver serving cert
	Admin             *keyPair // kubernetes-admin, O=system:masters
	ControllerManager *keyPair // CN=system:kube-controller-manager
	Scheduler         *keyPair // CN=system:kube-scheduler
	FrontProxyCA      *keyPair // aggregation layer request-header CA
	FrontProxyClient  *keyPair // CN=front-proxy-client, signed by FrontProxyCA
	Kubelet           *keyPair // the kubelet's client cert: CN=system:node:<node>, O=system:nodes
	KubeletServing    *keyPair // the kubelet's serving cert, for the node address
	KubeProxy         *keyPair // CN=system:kube-proxy (bound to system:node-proxier)
	ServiceAccount    crypto.Signer
	SAKeyPEM          []byte // PKCS#8 private key for --service-account-signing-key-file
	SAPubPEM          []byte // PKIX public key for --service-account-key-file
}

// apiserverDNSNames are DNS SANs of the apiserver serving cert; its IP SANs are
// loopback, the node address and the "kubernetes" Service's ClusterIP.
var apiserverDNSNames = []string{
	"localhost",
	"kubernetes",
	"kubernetes.default",
	"kubernetes.default.svc",
	"kubernetes.default.svc.cluster.local",
}

// newPKI generates a fresh CA, serving and client certificates and the
// service-account key pair for a node named nodeName at nodeIP, whose
// "kubernetes" Service has the ClusterIP apiserverServiceIP.
func newPKI(nodeName string, nodeIP, apiserverServiceIP net.IP) (*pki, error) {
	apiserverIPs := []net.IP{net.IPv4(127, 0, 0, 1), nodeIP, apiserverServiceIP}
	var p pki
	var err error
	if p.CA, err = newCA("cloudperf-e2e-ca"); err != nil {
		return nil, err
	}
	if p.FrontProxyCA, err = newCA("cloudperf-e2e-front-proxy-ca"); err != nil {
		return nil, err
	}
	if p.APIServer, err = newLeaf(p.CA, pkix.Name{CommonName: "kube-apiserver"},
		[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, apiserverDNSNames, apiserverIPs); err != nil {
		return nil, err
	}
	// Client certs also carry serverAuth and local SANs: metrics-server serves
	// TLS with the admin cert.
	clientUsage := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}
	localDNS, localIPs := []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1), nodeIP}
	if p.Admin, err = newLeaf(p.CA, pkix.Name{CommonName: "kubernetes-admin", Organization: []string{"system:masters"}},
		clientUsage, localDNS, localIPs); err != nil {
		return nil, err
	}
	if p.ControllerManager, err = newLeaf(p.CA, pkix.Name{CommonName: "system:kube-controller-manager"},
		clientUsage, localDNS, localIPs); err != nil {
		return nil, err
	}
	if p.Scheduler, err = newLeaf(p.CA, pkix.Name{CommonName: "system:kube-scheduler"},
		clientUsage, localDNS, localIPs); err != nil {
		return nil, err
	}
	if p.FrontProxyClient, err = newLeaf(p.FrontProxyCA, pkix.Name{CommonName: "front-proxy-client"},
		clientUsage, localDNS, localIPs); err != nil {
		return nil, err
	}
	if p.Kubelet, err = newLeaf(p.CA, pkix.Name{CommonName: "system:node:" + nodeName, Organization: []string{"system:nodes"}},
		[]x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, nil, nil); err != nil {
		return nil, err
	}
	if p.KubeletServing, err = newLeaf(p.CA, pkix.Name{CommonName: nodeName},
		[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, []string{nodeName, "localhost"}, localIPs); err != nil {
		return nil, err
	}
	if p.KubeProxy, err = newLeaf(p.CA, pkix.Name{CommonName: "system:kube-proxy"},
		[]x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, nil, nil); err != nil {
		return nil, err
	}
	sa, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	p.ServiceAccount = sa
	if p.SAKeyPEM, err = encodeKey(sa); err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(sa.Public())
	if err != nil {
		return nil, err
	}
	p.SAPubPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	return &p, nil
}

// pkiFiles are the file names written by WriteFiles, relative to the pki dir.
const (
	fileCACert       = "ca.crt"
	fileCAKey        = "ca.key"
	fileAPIServerCrt = "apiserver.crt"
	fileAPIServerKey = "apiserver.key"
	fileAdminCrt     = "admin.crt"
	fileAdminKey     = "admin.key"
	fileFPCACert     = "front-proxy-ca.crt"
	fileFPClientCrt  = "front-proxy-client.crt"
	fileFPClientKey  = "front-proxy-client.key"
	fileSAKey        = "sa.key"
	fileKubeletCrt   = "kubelet-serving.crt"
	fileKubeletKey   = "kubelet-serving.key"
	fileSAPub        = "sa.pub"
)

// WriteFiles writes the PEM files the components read into dir (mode 0600 for keys).
func (p *pki) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{fileCACert, p.CA.CertPEM, 0o644},
		{fileCAKey, p.CA.KeyPEM, 0o600},
		{fileAPIServerCrt, p.APIServer.CertPEM, 0o644},
		{fileAPIServerKey, p.APIServer.KeyPEM, 0o600},
		{fileAdminCrt, p.Admin.CertPEM, 0o644},
		{fileAdminKey, p.Admin.KeyPEM, 0o600},
		{fileFPCACert, p.FrontProxyCA.CertPEM, 0o644},
		{fileFPClientCrt, p.FrontProxyClient.CertPEM, 0o644},
		{fileFPClientKey, p.FrontProxyClient.KeyPEM, 0o600},
		{fileSAKey, p.SAKeyPEM, 0o600},
		{fileKubeletCrt, p.KubeletServing.CertPEM, 0o644},
		{fileKubeletKey, p.KubeletServing.KeyPEM, 0o600},
		{fileSAPub, p.SAPubPEM, 0o644},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

func newCA(cn string) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	return sign(tmpl, tmpl, key, key)
}

func newLeaf(ca *keyPair, subject pkix.Name, usage []x509.ExtKeyUsage, dns []string, ips []net.IP) (*keyPair, error) {
	if ca == nil {
		return nil, errors.New("cluster: nil CA")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               subject,
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           usage,
		BasicConstraintsValid: true,
		DNSNames:              dns,
		IPAddresses:           ips,
	}
	return sign(tmpl, ca.Cert, key, ca.Key)
}

func sign(tmpl, parent *x509.Certificate, key, parentKey crypto.Signer) (*keyPair, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return nil, fmt.Errorf("cluster: sign %q: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, err
	}
	return &keyPair{
		Cert:    cert,
		Key:     key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  keyPEM,
	}, nil
}

func encodeKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return n
}
