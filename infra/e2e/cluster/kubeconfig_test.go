package cluster

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

func TestKubeconfigRendersAndLoads(t *testing.T) {
	p, err := newPKI(NodeName, net.IPv4(198, 51, 100, 2), net.IPv4(192, 0, 2, 1))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "admin.kubeconfig")
	if err := writeKubeconfig(newKubeconfig("https://127.0.0.1:6443", p.CA.CertPEM, "admin", p.Admin), path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v", st.Mode(), err)
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := clientcmd.Validate(*cfg); err != nil {
		t.Fatalf("invalid kubeconfig: %v", err)
	}
	if cfg.CurrentContext != kubeconfigName {
		t.Errorf("current context %q", cfg.CurrentContext)
	}
	rc, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Host != "https://127.0.0.1:6443" {
		t.Errorf("host %q", rc.Host)
	}
	if !bytes.Equal(rc.CAData, p.CA.CertPEM) || !bytes.Equal(rc.CertData, p.Admin.CertPEM) || !bytes.Equal(rc.KeyData, p.Admin.KeyPEM) {
		t.Error("embedded credentials differ from the generated ones")
	}
}

// TestKubeconfigTLSHandshake serves with the apiserver cert, requires a client
// cert from the cluster CA, and connects with the REST config loaded from a
// written kubeconfig: the pieces fit together as kube-apiserver uses them.
func TestKubeconfigTLSHandshake(t *testing.T) {
	p, err := newPKI(NodeName, net.IPv4(198, 51, 100, 2), net.IPv4(192, 0, 2, 1))
	if err != nil {
		t.Fatal(err)
	}
	var gotCN string
	var gotOrg []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotCN = r.TLS.PeerCertificates[0].Subject.CommonName
		gotOrg = r.TLS.PeerCertificates[0].Subject.Organization
		_, _ = w.Write([]byte("ok"))
	}))
	serving, err := tls.X509KeyPair(p.APIServer.CertPEM, p.APIServer.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(p.CA.Cert)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serving}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()

	path := filepath.Join(t.TempDir(), "admin.kubeconfig")
	if err := writeKubeconfig(newKubeconfig(srv.URL, p.CA.CertPEM, "admin", p.Admin), path); err != nil {
		t.Fatal(err)
	}
	rc, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	hc, err := rest.HTTPClientFor(rc)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if gotCN != "kubernetes-admin" || len(gotOrg) != 1 || gotOrg[0] != "system:masters" {
		t.Errorf("server saw CN=%q O=%v", gotCN, gotOrg)
	}
}
