package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/simulator"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/simulator/region"
	"github.com/greenlang/gl001/simulator/selftest"
)

func newSimulateCmd(s streams) *cobra.Command {
	plants := &intFlag{value: simulator.DefaultPlants, lo: capacity.MinPlants, hi: capacity.MaxPlants}
	agents := &intFlag{value: simulator.DefaultAgents, lo: capacity.MinAgents, hi: capacity.MaxAgents}
	replicas := &intFlag{value: 0, lo: 0, hi: 64}
	partitions := &intFlag{value: simulator.DefaultPartitions, lo: 1, hi: 1000}
	workers := &intFlag{value: simulator.DefaultWorkers, lo: 1, hi: 256}
	poolSize := &intFlag{value: 0, lo: 0, hi: 100_000}
	poolOverflow := &intFlag{value: 0, lo: 0, hi: 100_000}
	var (
		limits         limitFlags
		o              simulator.Options
		brokers        string
		seed           uint64
		exampleRequest bool
		resultsDir     string
		profile        string
		regions        string
	)
	cmd := &cobra.Command{
		Use:   "simulate [flags]",
		Short: "Run the stand-in GL-001 deployment: replicas, front door, Kafka",
		Long: `simulate starts the stand-in GL-001 orchestrator gl001 loads when given no
--target: --replicas orchestrator processes (default: the capacity calculator's
count for --plants/--agents) behind a front door on --listen that spreads
requests round-robin like a Kubernetes Service, each replica solving heat
dispatch LPs and consuming agent.coordination in group gl-001-orchestrator
through a bounded database pool. With no --brokers it starts an embedded
Kafka broker on 127.0.0.1.

Each replica process runs inside a cgroup that enforces --replica-cpu-limit
and --replica-memory-limit, as Kubernetes enforces a pod's limits: a replica
that uses up its CPU is throttled, one that needs more memory is OOM-killed
and restarted. cgroup v2 is used where the host has it, else the v1 cpu and
memory controllers (as root); where neither can be used the replicas run
without limits and the ready line says "not enforced" and why. The replicas'
cpu_percent and memory_percent are of these limits.

When ready it prints one JSON line on stdout:
  {"api": URL, "brokers": [...], "topic", "ack_topic", "group", "replicas": [{"id","pid","url"}],
   "limits": {"cpu_limit_millicores", "memory_limit_mib", "limit_source"}}
(limit_source: "cgroup-v1", "cgroup-v2" or "not enforced (reason)")
and logs to stderr. Ctrl-C (SIGINT) or SIGTERM stops everything.

The API: POST /api/v1/optimize; GET /api/v1/health, /api/v1/ready,
/api/v1/metrics, /api/v1/metrics/load-distribution, /api/v1/metrics/database,
/api/v1/capacity, and Prometheus /metrics. With --api-token, the guide's
POST /api/v1/test/load-test (a scenario.json body, bearer token) runs gl001
against the stand-in in the background, and GET /api/v1/test/load-test/report
answers the latest report.`,
		Example: `  gl001 simulate
  gl001 simulate --plants 20 --agents 99 --replicas 3 --listen 127.0.0.1:9000
  gl001 simulate --replicas 1 --replica-cpu-limit 100m --replica-memory-limit 256Mi
  gl001 simulate --regions us-east,eu-west=80ms,apac=230ms
  gl001 simulate --example-request | curl -s -d @- http://127.0.0.1:8000/api/v1/optimize`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			f, err := fleet.New(fleet.Config{Plants: plants.value, Agents: agents.value, Seed: seed})
			if err != nil {
				return badInput(err)
			}
			if exampleRequest {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				return enc.Encode(f.NextRequest(time.Now()))
			}
			if o.Profile, err = api.LoadProfile(profile); err != nil {
				return badInput(fmt.Errorf("--profile: %w", err))
			}
			o.Plants, o.Agents, o.Replicas = plants.value, agents.value, replicas.value
			if cmd.Flags().Changed("regions") {
				if o.Regions, err = region.Parse(regions, plants.value, "--regions"); err != nil {
					return badInput(err)
				}
			}
			o.Partitions, o.Workers = partitions.value, workers.value
			o.DBPoolSize, o.DBPoolOverflow = poolSize.value, poolOverflow.value
			o.CPULimitMillicores, o.MemoryLimitMiB = limits.cpu.millicores, limits.memory.mib
			o.Bus.Brokers = splitList(brokers)
			busPasswordFromEnv(&o.Bus)
			o.Logger = slog.New(slog.NewTextHandler(s.err, nil))
			if o.APIToken == "" {
				o.APIToken = os.Getenv("GL001_API_TOKEN")
			}
			runner := &selftest.Runner{Dir: resultsDir, Logger: o.Logger}
			if profile != "guide" {
				runner.ProfileFile = profile
			}
			o.LoadTester = runner
			fmt.Fprintf(s.err, "fleet: %d plants, %d sub-agents\n%s", plants.value, agents.value, f.SplitText())

			ctx, hard, stop := onSignal(cmd.Context(), s.signals)
			defer stop()
			return untilHardStop(hard, func() error {
				startCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
				defer cancel()
				si, err := simulator.Start(startCtx, o)
				if errors.Is(err, simulator.ErrOptions) {
					return badInput(err)
				}
				if err != nil {
					return err
				}
				defer si.Stop()
				if err := json.NewEncoder(s.out).Encode(si.Ready()); err != nil {
					return err
				}
				<-ctx.Done()
				o.Logger.Info("stopping stand-in (Ctrl-C again to stop at once)")
				return si.Stop()
			})
		}),
	}
	fl := cmd.Flags()
	fl.Var(plants, "plants", "plants in the simulated fleet, 1 to 10000")
	fl.Var(agents, "agents", "active sub-agents in the simulated fleet, 0 to 100000")
	fl.Var(replicas, "replicas", "orchestrator replica processes, 1 to 64 (0: the calculator's count)")
	fl.StringVar(&o.Listen, "listen", simulator.DefaultListen, "front door address, host:port")
	fl.StringVar(&brokers, "brokers", "", "Kafka bootstrap brokers, comma-separated (empty: start an embedded broker)")
	addBusFlags(fl, &o.Bus)
	fl.Var(partitions, "partitions", "partitions of agent.coordination when the stand-in creates it")
	fl.Var(workers, "workers", "coordination workers per replica (KAFKA_CONSUMER_THREADS)")
	limits = addLimitFlags(fl, "")
	fl.Var(poolSize, "db-pool-size", "DB_POOL_SIZE for the whole deployment, shared evenly by the replicas (0: the calculator's)")
	fl.Var(poolOverflow, "db-pool-overflow", "DB_POOL_OVERFLOW for the whole deployment: connections allowed beyond the pool under pressure")
	fl.DurationVar(&o.DBPoolTimeout, "db-pool-timeout", 30*time.Second, "DB_POOL_TIMEOUT: longest wait for a pooled connection")
	fl.DurationVar(&o.DBQueryTime, "db-query-time", 2*time.Millisecond, "service time of one database query")
	fl.Uint64Var(&seed, "seed", 1, "seed of the simulated fleet")
	fl.StringVar(&regions, "regions", "", regionsUsage+"; a request or event naming its region (header "+api.HeaderRegion+") gets the region's round trip added at the front door and before its ack")
	fl.StringVar(&o.APIToken, "api-token", "", "bearer token that POST /api/v1/test/load-test requires (or GL001_API_TOKEN); empty: that endpoint is off")
	fl.StringVar(&resultsDir, "results", "results", "folder where load tests started through the API write their results")
	fl.BoolVar(&exampleRequest, "example-request", false, "print one optimization request from the fleet model and exit")
	fl.StringVar(&profile, "profile", "guide", `the names the stand-in answers to (topics, group, API paths, metric names): "guide", "greenlang" (the public implementation's), or a JSON profile file whose fields replace the guide's`)
	return cmd
}

// regionsUsage is the --regions flag's usage, up to what it does.
const regionsUsage = `the plants' regions, as the guide's "Multi-Region Deployment": names, e.g. us-east,eu-west,apac (the plants split in equal blocks in order: 1-5, 6-10, 11-15 of 15), each with its round trip as name=DURATION (default us-east 0s, eu-west 70ms, apac 210ms), or a regions file ({"regions": [{"name", "plants", "round_trip_ms"}]})`

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
