package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"k8s.io/client-go/util/keyutil"
)

func TestPKIChainsVerify(t *testing.T) {
	p, err := newPKI(NodeName, net.IPv4(198, 51, 100, 2), net.IPv4(192, 0, 2, 1))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.CA.Cert)
	fpRoots := x509.NewCertPool()
	fpRoots.AddCert(p.FrontProxyCA.Cert)

	if !p.CA.Cert.IsCA || !p.FrontProxyCA.Cert.IsCA {
		t.Fatal("CAs are not marked CA")
	}
	// Serving cert: valid for every name clients use.
	for _, name := range []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.cluster.local", "127.0.0.1", "192.0.2.1"} {
		if _, err := p.APIServer.Cert.Verify(x509.VerifyOptions{DNSName: name, Roots: roots,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("apiserver cert for %s: %v", name, err)
		}
	}
	if !slices.ContainsFunc(p.APIServer.Cert.IPAddresses, func(ip net.IP) bool { return ip.Equal(net.IPv4(192, 0, 2, 1)) }) {
		t.Errorf("apiserver cert IPs %v lack 192.0.2.1", p.APIServer.Cert.IPAddresses)
	}
	if _, err := p.APIServer.Cert.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: roots}); err == nil {
		t.Error("apiserver cert verified for an unrelated name")
	}

	// Client certs: the identities the apiserver derives from them.
	clients := []struct {
		name  string
		kp    *keyPair
		roots *x509.CertPool
		cn    string
		org   []string
	}{
		{"admin", p.Admin, roots, "kubernetes-admin", []string{"system:masters"}},
		{"kcm", p.ControllerManager, roots, "system:kube-controller-manager", nil},
		{"scheduler", p.Scheduler, roots, "system:kube-scheduler", nil},
		{"front-proxy-client", p.FrontProxyClient, fpRoots, "front-proxy-client", nil},
	}
	for _, c := range clients {
		if _, err := c.kp.Cert.Verify(x509.VerifyOptions{Roots: c.roots,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if c.kp.Cert.Subject.CommonName != c.cn || !slices.Equal(c.kp.Cert.Subject.Organization, c.org) {
			t.Errorf("%s: subject %v, want CN=%s O=%v", c.name, c.kp.Cert.Subject, c.cn, c.org)
		}
		if _, err := tls.X509KeyPair(c.kp.CertPEM, c.kp.KeyPEM); err != nil {
			t.Errorf("%s: key does not match cert: %v", c.name, err)
		}
	}
	// The front-proxy client must not be trusted by the cluster CA and vice versa.
	if _, err := p.FrontProxyClient.Cert.Verify(x509.VerifyOptions{Roots: roots,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("front-proxy client verified against the cluster CA")
	}
	// metrics-server serves TLS with the admin cert on 127.0.0.1.
	if _, err := p.Admin.Cert.Verify(x509.VerifyOptions{DNSName: "127.0.0.1", Roots: roots,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("admin cert as serving cert: %v", err)
	}
}

func TestPKIFilesParseAsKubernetesReadsThem(t *testing.T) {
	p, err := newPKI(NodeName, net.IPv4(198, 51, 100, 2), net.IPv4(192, 0, 2, 1))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := p.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	// Private keys: the components load them with client-go's keyutil.
	for _, f := range []string{fileCAKey, fileAPIServerKey, fileAdminKey, fileFPClientKey, fileSAKey} {
		if _, err := keyutil.PrivateKeyFromFile(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v", f, st.Mode(), err)
		}
	}
	pubs, err := keyutil.PublicKeysFromFile(filepath.Join(dir, fileSAPub))
	if err != nil || len(pubs) != 1 {
		t.Fatalf("sa.pub: %v (%d keys)", err, len(pubs))
	}
	for _, f := range []string{fileCACert, fileAPIServerCrt, fileAdminCrt, fileFPCACert, fileFPClientCrt} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if blk, _ := pem.Decode(b); blk == nil || blk.Type != "CERTIFICATE" {
			t.Errorf("%s: not a PEM certificate", f)
		}
	}
	if _, err := tls.LoadX509KeyPair(filepath.Join(dir, fileAPIServerCrt), filepath.Join(dir, fileAPIServerKey)); err != nil {
		t.Errorf("apiserver pair: %v", err)
	}
}
