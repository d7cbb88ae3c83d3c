package load

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/cloudperf/cloudperf/client/results"
)

// Classify maps a request error to its class.
func Classify(err error) results.Class {
	var (
		dnsErr    *net.DNSError
		netErr    net.Error
		recordErr tls.RecordHeaderError
		alertErr  tls.AlertError
		verifyErr *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		certErr   x509.CertificateInvalidError
	)
	switch {
	case err == nil:
		return results.ClassOK
	case errors.Is(err, context.Canceled):
		return results.ClassCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, syscall.ETIMEDOUT):
		return results.ClassTimeout
	case errors.As(err, &dnsErr):
		return results.ClassDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return results.ClassRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return results.ClassReset
	case errors.As(err, &recordErr), errors.As(err, &alertErr), errors.As(err, &verifyErr),
		errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &certErr):
		return results.ClassTLS
	case errors.As(err, &netErr) && netErr.Timeout():
		return results.ClassTimeout
	}
	// net/http reports these as plain strings.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "malformed HTTP"), strings.Contains(msg, "server gave HTTP response to HTTPS client"),
		strings.Contains(msg, "unexpected EOF reading trailer"), strings.Contains(msg, "bad Content-Length"),
		// Bytes before any request was written (a server that speaks first,
		// like SSH): net/http closes the connection with a nil cause.
		strings.Contains(msg, "readLoopPeekFailLocked"):
		return results.ClassProtocol
	case strings.Contains(msg, "Client.Timeout"), strings.Contains(msg, "timeout awaiting response headers"):
		return results.ClassTimeout
	case strings.Contains(msg, "tls: "), strings.Contains(msg, "x509: "):
		return results.ClassTLS
	case strings.Contains(msg, "connection reset"), strings.Contains(msg, "server closed idle connection"),
		strings.Contains(msg, "broken pipe"):
		return results.ClassReset
	}
	return results.ClassOther
}
