package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/xk6-gl001/bridge"
)

// publishSlack is what a graceful stop allows beyond the ack timeout, for
// the publish before the wait.
const publishSlack = 5 * time.Second

func newBridgeCmd(s streams) *cobra.Command {
	maxPending := &intFlag{value: bridge.DefaultMaxPending, lo: 1, hi: 1_000_000}
	var (
		bus          kafkabus.Options
		brokers      string
		listen       string
		allowRemote  bool
		scenario     string
		profile      string
		ackTimeout   time.Duration
		startTimeout time.Duration
		verbose      bool
	)
	cmd := &cobra.Command{
		Use:   "bridge --brokers LIST [--listen 127.0.0.1:8686] [--scenario FILE]",
		Short: "Publish coordination events for stock k6 (xk6-gl001/js) and answer with their acks",
		Long: `bridge is the Kafka side of the k6 module in xk6-gl001/js: stock k6 speaks
no Kafka, so the module posts each agent-coordination event to the bridge over
loopback HTTP. The bridge publishes it on the profile's topic (agent.coordination)
with the native engine's own Kafka client, waits for the orchestrator's ack on
the ack topic, and answers then, with publish and ack times measured in Go.

  POST /v1/coordinate  {} | {"agent_id": ID} | {"event": {...}}, optional "timeout_ms"
                       200 ack, 504 timeout, 502 error, 503 refused, 400 bad_request
  GET  /v1/stats       received, published, acked, timeouts, errors, refused, bad_requests, pending
  GET  /health         200 while the brokers answer, else 503

(the full contract: go doc ./xk6-gl001/bridge). The fleet is --scenario's, built
as gl001 run builds it (plants, sub_agents, seed), so agent ids match the
fleet.json of gl001 k6 init. At most --max-pending events wait for their acks;
one more is refused with 503 and counted, never queued (k6's open model).

The bridge has no authentication: it listens on loopback only, and a
non-loopback --listen is refused unless --allow-remote is given.

Brokers that do not answer within --connect-timeout at start exit 2. Ctrl-C
stops gracefully: no new requests, those in flight finish (up to the ack
timeout); a second Ctrl-C stops at once.`,
		Example: `  gl001 bridge --brokers kafka-0:9092,kafka-1:9092
  gl001 bridge --brokers kafka-0:9093 --kafka-tls --kafka-sasl-mechanism scram-sha-512 --kafka-sasl-username gl001
  gl001 bridge --brokers 127.0.0.1:9092 --scenario multi_plant_load_test.json --max-pending 2000`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			bus.Brokers = splitList(brokers)
			if len(bus.Brokers) == 0 {
				return badInput(errors.New("--brokers is required: the Kafka bootstrap brokers, comma-separated"))
			}
			if err := bridge.CheckListen(listen, allowRemote); err != nil {
				return badInput(fmt.Errorf("--listen: %w", err))
			}
			for _, d := range []struct {
				flag string
				v    time.Duration
			}{{"--ack-timeout", ackTimeout}, {"--connect-timeout", startTimeout}} {
				if d.v <= 0 || d.v > bridge.MaxAckTimeout {
					return badInput(fmt.Errorf("invalid argument %q for %q flag: must be above 0 and at most %s", d.v, d.flag, bridge.MaxAckTimeout))
				}
			}
			sc, err := scenarios.Load(scenario)
			if err != nil {
				return badInput(fmt.Errorf("--scenario: %w", err))
			}
			prof, err := api.LoadProfile(profile)
			if err != nil {
				return badInput(fmt.Errorf("--profile: %w", err))
			}
			busPasswordFromEnv(&bus)
			cfg, err := bus.Config()
			if err != nil {
				return badInput(err)
			}
			if err := cfg.Validate(); err != nil {
				return badInput(fmt.Errorf("--brokers %q: %w", brokers, err))
			}
			// As gl001 run builds its fleet, so agent ids match.
			f, err := fleet.New(fleet.Config{Plants: sc.Plants, Agents: sc.SubAgents, Seed: sc.Seed})
			if err != nil {
				return badInput(fmt.Errorf("--scenario: %w", err))
			}
			level := slog.LevelWarn
			if verbose {
				level = slog.LevelDebug
			}
			log := slog.New(slog.NewTextHandler(s.err, &slog.HandlerOptions{Level: level}))

			ctx, hard, stop := onSignal(cmd.Context(), s.signals)
			defer stop()
			return untilHardStop(hard, func() error {
				b, err := bridge.New(ctx, bridge.Options{Bus: cfg, Topic: prof.Topic, AckTopic: prof.AckTopic, Fleet: f,
					MaxPending: maxPending.value, AckTimeout: ackTimeout, StartTimeout: startTimeout, Logger: log})
				if errors.Is(err, bridge.ErrUnreachable) {
					return badInput(fmt.Errorf("--brokers %q: %w", brokers, err))
				}
				if err != nil {
					return err
				}
				defer b.Close()
				ln, err := net.Listen("tcp", listen)
				if err != nil {
					return badInput(fmt.Errorf("--listen %q: %w", listen, err))
				}
				fmt.Fprintf(s.err, "gl001 bridge: http://%s → %s (acks on %s) at %v; fleet of %s: %d plants, %d sub-agents; at most %d pending\n",
					ln.Addr(), prof.Topic, prof.AckTopic, cfg.Brokers, sc.TestName, sc.Plants, sc.SubAgents, maxPending.value)
				err = b.Serve(ctx, ln, ackTimeout+publishSlack)
				st := b.Stats()
				fmt.Fprintf(s.out, "bridge stopped: %d received, %d published, %d acked, %d timeouts, %d errors, %d refused, %d bad requests\n",
					st.Received, st.Published, st.Acked, st.Timeouts, st.Errors, st.Refused, st.BadRequests)
				return err
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&brokers, "brokers", "", "Kafka bootstrap brokers, comma-separated (required)")
	f.StringVar(&listen, "listen", "127.0.0.1:8686", "HTTP address for the k6 module, host:port; loopback unless --allow-remote")
	f.BoolVar(&allowRemote, "allow-remote", false, "allow a non-loopback --listen (the bridge has no authentication)")
	f.StringVar(&scenario, "scenario", "short_load_test.json", "scenario file or shipped name whose fleet (plants, sub_agents, seed) the events come from")
	f.Var(maxPending, "max-pending", "events waiting for their acks at most; one more is refused with 503 (750: the guide's 50 events/s through a 15 s stall)")
	f.DurationVar(&ackTimeout, "ack-timeout", bridge.DefaultAckTimeout, "how long an event waits for its ack before the answer is 504 (a request's timeout_ms overrides)")
	f.DurationVar(&startTimeout, "connect-timeout", bridge.DefaultStartTimeout, "how long the brokers may take to answer at start")
	f.StringVar(&profile, "profile", "guide", `the target's names (topics): "guide", "greenlang" (the public implementation's), or a JSON profile file whose fields replace the guide's`)
	addBusFlags(f, &bus)
	f.BoolVarP(&verbose, "verbose", "v", false, "log at debug level (warnings are always logged)")
	return cmd
}
