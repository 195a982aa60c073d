package kafkabus

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// dialTimeout bounds one connection attempt, TLS handshake and SASL
// exchange included.
const dialTimeout = 10 * time.Second

// Config says how to reach a Kafka cluster: the user's (--brokers, with TLS
// and SASL as their cluster needs) or the embedded one. The zero TLS and
// SASL mean plaintext without authentication.
//
// Every reader, writer and admin client in this package is built from a
// Config through Dialer or Transport, so TLS and SASL apply to all of them.
// A Config is a value; it is safe to share once built.
type Config struct {
	// Brokers are the bootstrap addresses, host:port.
	Brokers []string
	// TLS, when set, encrypts every connection.
	TLS *tls.Config
	// SASL, when set, authenticates every connection; see ParseSASL.
	SASL sasl.Mechanism
	// ClientID names this process to the brokers (it shows in broker logs
	// and quotas); empty means kafka-go's default.
	ClientID string
}

// Validate reports what is missing from c.
func (c Config) Validate() error {
	if len(c.Brokers) == 0 {
		return errors.New("kafka config: no brokers given")
	}
	var errs []error
	for _, b := range c.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			errs = append(errs, fmt.Errorf("kafka config: broker %q is not host:port", b))
		}
	}
	return errors.Join(errs...)
}

// Dialer returns a new dialer for kafka-go's Reader and Conn, carrying c's
// TLS, SASL and client id.
func (c Config) Dialer() *kafka.Dialer {
	return &kafka.Dialer{
		ClientID:      c.ClientID,
		Timeout:       dialTimeout,
		TLS:           c.TLS,
		SASLMechanism: c.SASL,
	}
}

// Transport returns a new transport for kafka-go's Writer and Client,
// carrying c's TLS, SASL and client id. A Transport pools connections and
// runs a metadata goroutine per cluster: the caller owns it and must call
// CloseIdleConnections when done with it.
func (c Config) Transport() *kafka.Transport {
	return &kafka.Transport{
		DialTimeout: dialTimeout,
		ClientID:    c.ClientID,
		TLS:         c.TLS,
		SASL:        c.SASL,
	}
}

// Addr is the cluster address a Writer or Client sends to.
func (c Config) Addr() net.Addr { return kafka.TCP(c.Brokers...) }

// SASL mechanism names ParseSASL accepts.
const (
	SASLPlain       = "plain"
	SASLScramSHA256 = "scram-sha-256"
	SASLScramSHA512 = "scram-sha-512"
)

// ParseSASL builds the SASL mechanism named by mechanism ("plain",
// "scram-sha-256" or "scram-sha-512", any case) for user and password.
// An empty mechanism, or "none", means no SASL and returns nil, nil.
func ParseSASL(mechanism, user, password string) (sasl.Mechanism, error) {
	name := strings.ToLower(strings.TrimSpace(mechanism))
	if name == "" || name == "none" {
		return nil, nil
	}
	if user == "" {
		switch name {
		case SASLPlain, SASLScramSHA256, SASLScramSHA512:
			return nil, fmt.Errorf("sasl mechanism %q needs a user", mechanism)
		}
	}
	var algo scram.Algorithm
	switch name {
	case SASLPlain:
		return plain.Mechanism{Username: user, Password: password}, nil
	case SASLScramSHA256:
		algo = scram.SHA256
	case SASLScramSHA512:
		algo = scram.SHA512
	}
	if algo != nil {
		// SASLprep rejects some user names and passwords. The library's
		// error quotes the password, so check the user on its own first and
		// never pass a password error on.
		if _, err := scram.Mechanism(algo, user, "x"); err != nil {
			return nil, fmt.Errorf("sasl mechanism %q: %w", mechanism, err)
		}
		m, err := scram.Mechanism(algo, user, password)
		if err != nil {
			return nil, fmt.Errorf("sasl mechanism %q: the password has characters SCRAM does not allow (SASLprep)", mechanism)
		}
		return m, nil
	}
	return nil, fmt.Errorf("sasl mechanism %q is not supported; use %s, %s or %s",
		mechanism, SASLPlain, SASLScramSHA256, SASLScramSHA512)
}

// LoadTLS builds a client TLS config from PEM files. caFile, when set,
// replaces the system roots with the CAs it holds; certFile and keyFile,
// both or neither, give the client certificate for mutual TLS. With all
// three empty it returns a config that verifies against the system roots.
// Errors name the file at fault.
func LoadTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("tls ca file %q: %w", caFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls ca file %q: no PEM certificate found", caFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case certFile == "" && keyFile == "":
	case certFile == "":
		return nil, fmt.Errorf("tls key file %q given without a certificate file", keyFile)
	case keyFile == "":
		return nil, fmt.Errorf("tls certificate file %q given without a key file", certFile)
	default:
		// Read each file ourselves so the error says which one is bad;
		// tls.LoadX509KeyPair does not.
		certPEM, err := os.ReadFile(certFile)
		if err != nil {
			return nil, fmt.Errorf("tls certificate file %q: %w", certFile, err)
		}
		keyPEM, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, fmt.Errorf("tls key file %q: %w", keyFile, err)
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("tls certificate file %q with key file %q: %w", certFile, keyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
