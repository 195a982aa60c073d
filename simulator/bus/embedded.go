package bus

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/greenlang/gl001/deploy/kafkabus"
)

// EmbeddedOptions configure the in-process broker. The zero value is one
// plaintext broker on a free 127.0.0.1 port with no topics.
type EmbeddedOptions struct {
	// Port to listen on, on 127.0.0.1; 0 picks a free one.
	Port int
	// Partitions is the partition count for Topics and for topics created
	// without one (CreateTopics with -1, auto-creation); 0 means kfake's
	// default (10).
	Partitions int
	// Topics are created before StartEmbedded returns.
	Topics []string
	// TLS, when set, makes the broker speak TLS only; it must carry the
	// server certificate.
	TLS *tls.Config
	// Users, when any, switch on SASL: only these users get in, as
	// superusers (no ACLs).
	Users []EmbeddedUser
	// Logger receives the broker's own log; nil discards it. kfake's info
	// and debug lines map to slog's Debug.
	Logger *slog.Logger
}

// EmbeddedUser is one SASL login the embedded broker accepts.
type EmbeddedUser struct {
	Mechanism string // as for ParseSASL: "plain", "scram-sha-256", "scram-sha-512"
	User      string
	Password  string
}

// Embedded is a running in-process Kafka broker (kfake) listening on
// 127.0.0.1. Clients reach it over TCP exactly as they reach a real
// cluster. Its methods are safe for concurrent use.
type Embedded struct {
	cluster *kfake.Cluster
	tls     bool
}

// StartEmbedded starts a one-broker kfake cluster on 127.0.0.1. ctx bounds
// start-up only; the broker runs until Close.
func StartEmbedded(ctx context.Context, opts EmbeddedOptions) (*Embedded, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("embedded broker: port %d is out of range 0-65535", opts.Port)
	}
	if opts.Partitions < 0 {
		return nil, fmt.Errorf("embedded broker: partitions %d must not be negative", opts.Partitions)
	}
	kopts := []kfake.Opt{
		kfake.NumBrokers(1),
		// kfake listens on 127.0.0.1 already; saying so keeps the broker
		// off other interfaces whatever a later kfake defaults to.
		kfake.ListenFn(listenLoopback),
	}
	if opts.Port != 0 {
		kopts = append(kopts, kfake.Ports(opts.Port))
	}
	if opts.Partitions > 0 {
		kopts = append(kopts, kfake.DefaultNumPartitions(opts.Partitions))
	}
	if len(opts.Topics) > 0 {
		kopts = append(kopts, kfake.SeedTopics(int32(opts.Partitions), opts.Topics...))
	}
	if opts.TLS != nil {
		kopts = append(kopts, kfake.TLS(opts.TLS))
	}
	if len(opts.Users) > 0 {
		kopts = append(kopts, kfake.EnableSASL())
		for _, u := range opts.Users {
			m, err := kfakeMechanism(u.Mechanism)
			if err != nil {
				return nil, err
			}
			kopts = append(kopts, kfake.Superuser(m, u.User, u.Password))
		}
	}
	if opts.Logger != nil {
		kopts = append(kopts, kfake.WithLogger(kfakeLogger{opts.Logger}))
	}
	c, err := kfake.NewCluster(kopts...)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: %w", err)
	}
	return &Embedded{cluster: c, tls: opts.TLS != nil}, nil
}

// Addrs returns the brokers' host:port addresses.
func (e *Embedded) Addrs() []string { return e.cluster.ListenAddrs() }

// Config returns a plaintext, unauthenticated kafkabus.Config for the
// broker. Add TLS and SASL to it when the broker was started with them.
func (e *Embedded) Config() kafkabus.Config {
	return kafkabus.Config{Brokers: e.Addrs(), ClientID: "gl001"}
}

// Cluster exposes the kfake cluster for fault injection and for tests that
// wait on group state (kfake.Cluster.WaitGroupStable, Fault, ...).
func (e *Embedded) Cluster() *kfake.Cluster { return e.cluster }

// Close stops the broker and drops its data. It is safe to call twice.
func (e *Embedded) Close() { e.cluster.Close() }

func kfakeMechanism(name string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case kafkabus.SASLPlain:
		return "PLAIN", nil
	case kafkabus.SASLScramSHA256:
		return "SCRAM-SHA-256", nil
	case kafkabus.SASLScramSHA512:
		return "SCRAM-SHA-512", nil
	}
	return "", fmt.Errorf("embedded broker: sasl mechanism %q is not supported; use %s, %s or %s",
		name, kafkabus.SASLPlain, kafkabus.SASLScramSHA256, kafkabus.SASLScramSHA512)
}

// kfakeLogger adapts slog to kfake's Logger. kfake calls it for every level,
// so it checks Enabled before formatting.
type kfakeLogger struct{ l *slog.Logger }

func (k kfakeLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	var sl slog.Level
	switch level {
	case kfake.LogLevelNone:
		return
	case kfake.LogLevelError:
		sl = slog.LevelError
	case kfake.LogLevelWarn:
		sl = slog.LevelWarn
	default:
		sl = slog.LevelDebug
	}
	ctx := context.Background()
	if !k.l.Enabled(ctx, sl) {
		return
	}
	k.l.Log(ctx, sl, fmt.Sprintf(format, args...), "component", "kfake")
}

// listenLoopback listens on 127.0.0.1 at address's port, whatever host
// kfake asks for.
func listenLoopback(network, address string) (net.Listener, error) {
	_, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	return net.Listen(network, net.JoinHostPort("127.0.0.1", port))
}
