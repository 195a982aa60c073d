package kafkabus_test

import (
	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/bus"

	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestParseSASL(t *testing.T) {
	tests := []struct {
		name, mechanism, user string
		password              string // "" means "pw"
		wantName              string // Mechanism.Name(); "" for no SASL
		wantErr               []string
	}{
		{name: "none", mechanism: "", wantName: ""},
		{name: "none spelled out", mechanism: "None", wantName: ""},
		{name: "plain", mechanism: "plain", user: "u", wantName: "PLAIN"},
		{name: "scram 256 any case", mechanism: " SCRAM-SHA-256 ", user: "u", wantName: "SCRAM-SHA-256"},
		{name: "scram 512", mechanism: "scram-sha-512", user: "u", wantName: "SCRAM-SHA-512"},
		{name: "unknown", mechanism: "gssapi", user: "u", wantErr: []string{`"gssapi"`, "plain", "scram-sha-256", "scram-sha-512"}},
		{name: "no user", mechanism: "plain", wantErr: []string{`"plain"`, "user"}},
		{name: "password not SASLprep", mechanism: "scram-sha-256", user: "u", password: "bad\u0007pw", wantErr: []string{`"scram-sha-256"`, "password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw := tt.password
			if pw == "" {
				pw = "pw"
			}
			m, err := kafkabus.ParseSASL(tt.mechanism, tt.user, pw)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("no error, want one naming %q", tt.wantErr)
				}
				if strings.Contains(err.Error(), pw) {
					t.Errorf("error %q shows the password", err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %s", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.wantName == "" && m != nil:
				t.Errorf("got mechanism %s, want none", m.Name())
			case tt.wantName != "" && (m == nil || m.Name() != tt.wantName):
				t.Errorf("got %v, want %s", m, tt.wantName)
			}
		})
	}
}

func FuzzParseSASL(f *testing.F) {
	for _, s := range []string{"", "plain", "SCRAM-SHA-512", "kerberos", "\x00"} {
		f.Add(s, "user")
	}
	f.Fuzz(func(t *testing.T, mechanism, user string) {
		m, err := kafkabus.ParseSASL(mechanism, user, "pw")
		if err != nil && !strings.Contains(err.Error(), strconv.Quote(mechanism)) {
			t.Errorf("error %q does not name the mechanism %q", err, mechanism)
		}
		if err == nil && m == nil && strings.TrimSpace(mechanism) != "" && !strings.EqualFold(strings.TrimSpace(mechanism), "none") {
			t.Errorf("mechanism %q accepted as no SASL", mechanism)
		}
	})
}

// testPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate to dir and returns the server's TLS config and file paths.
func testPKI(t *testing.T, dir string) (server *tls.Config, caFile, certFile, keyFile string) {
	t.Helper()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	caKey := newKey()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gl001 test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, usage x509.ExtKeyUsage) (tls.Certificate, []byte, []byte) {
		k := newKey()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: "gl001"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, _ := x509.MarshalECPrivateKey(k)
		certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		return pair, certPEM, keyPEM
	}
	serverPair, _, _ := issue(2, x509.ExtKeyUsageServerAuth)
	_, clientCert, clientKey := issue(3, x509.ExtKeyUsageClientAuth)

	pool := x509.NewCertPool()
	pool.AddCert(ca)
	server = &tls.Config{
		Certificates: []tls.Certificate{serverPair},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}
	caFile = filepath.Join(dir, "ca.pem")
	certFile = filepath.Join(dir, "client.pem")
	keyFile = filepath.Join(dir, "client-key.pem")
	for path, b := range map[string][]byte{
		caFile:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		certFile: clientCert,
		keyFile:  clientKey,
	} {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return server, caFile, certFile, keyFile
}

func TestLoadTLSErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	_, caFile, certFile, keyFile := testPKI(t, dir)
	missing := filepath.Join(dir, "missing.pem")
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		ca, cert, key string
		wantInErr     string
	}{
		{name: "missing CA", ca: missing, wantInErr: missing},
		{name: "CA without PEM", ca: garbage, wantInErr: garbage},
		{name: "missing cert", ca: caFile, cert: missing, key: keyFile, wantInErr: missing},
		{name: "missing key", ca: caFile, cert: certFile, key: missing, wantInErr: missing},
		{name: "bad pair", cert: certFile, key: garbage, wantInErr: garbage},
		{name: "cert without key", cert: certFile, wantInErr: certFile},
		{name: "key without cert", key: keyFile, wantInErr: keyFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kafkabus.LoadTLS(tt.ca, tt.cert, tt.key)
			if err == nil || !strings.Contains(err.Error(), tt.wantInErr) {
				t.Fatalf("error %v, want one naming %s", err, tt.wantInErr)
			}
		})
	}
	cfg, err := kafkabus.LoadTLS(caFile, certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RootCAs == nil || len(cfg.Certificates) != 1 {
		t.Errorf("config lacks the CA or the client certificate")
	}
}

// TestTLSAndSASLReachEveryClient runs admin, writer and reader against an
// embedded broker that demands mutual TLS and SCRAM, so each of Dialer and
// Transport must carry both.
func TestTLSAndSASLReachEveryClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	serverTLS, caFile, certFile, keyFile := testPKI(t, t.TempDir())
	emb := startBroker(t, bus.EmbeddedOptions{
		TLS:   serverTLS,
		Users: []bus.EmbeddedUser{{Mechanism: "scram-sha-512", User: "gl001", Password: "s3cret"}},
	})
	cfg := emb.Config()
	var err error
	if cfg.TLS, err = kafkabus.LoadTLS(caFile, certFile, keyFile); err != nil {
		t.Fatal(err)
	}
	if cfg.SASL, err = kafkabus.ParseSASL("SCRAM-SHA-512", "gl001", "s3cret"); err != nil {
		t.Fatal(err)
	}

	if err := bus.EnsureTopics(ctx, cfg, 1, "secure"); err != nil {
		t.Fatalf("EnsureTopics over TLS+SASL: %v", err)
	}
	transport := cfg.Transport()
	defer transport.CloseIdleConnections()
	w := &kafka.Writer{Addr: cfg.Addr(), Topic: "secure", Transport: transport, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireOne}
	if err := w.WriteMessages(ctx, kafka.Message{Value: []byte("hello")}); err != nil {
		t.Fatalf("write over TLS+SASL: %v", err)
	}
	_ = w.Close()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: cfg.Brokers, Topic: "secure", Dialer: cfg.Dialer(), MaxWait: 100 * time.Millisecond})
	defer r.Close()
	m, err := r.ReadMessage(ctx)
	if err != nil || string(m.Value) != "hello" {
		t.Fatalf("read over TLS+SASL: %q, %v", m.Value, err)
	}

	// The wrong password is refused.
	bad := cfg
	if bad.SASL, err = kafkabus.ParseSASL("scram-sha-512", "gl001", "wrong"); err != nil {
		t.Fatal(err)
	}
	shortCtx, cancelShort := context.WithTimeout(ctx, 5*time.Second)
	defer cancelShort()
	if err := bus.EnsureTopics(shortCtx, bad, 1, "other"); err == nil {
		t.Fatal("EnsureTopics with the wrong password succeeded")
	}
}
