package simulator

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/orchestrator"
	"github.com/greenlang/gl001/simulator/supervisor"
)

// replicaEnv carries a replica's configuration (JSON) to the child process.
const replicaEnv = "GL001_REPLICA_CONFIG"

// childConfig is what a replica process needs to know.
type childConfig struct {
	Bus     kafkabus.Options    `json:"bus"`
	Replica orchestrator.Config `json:"replica"`
}

// command builds the exec.Cmd that starts replica id from exe.
func (c childConfig) command(exe, id string) *exec.Cmd {
	c.Replica.ID = id
	b, _ := json.Marshal(c) // plain data; cannot fail
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), replicaEnv+"="+string(b))
	return cmd
}

// MaybeRunReplica runs this process as a stand-in replica when it was
// started as one (GL001_REPLICA_CONFIG is set), and exits when the replica
// stops; otherwise it returns at once. Call it first thing in main.
func MaybeRunReplica() {
	raw, ok := os.LookupEnv(replicaEnv)
	if !ok {
		return
	}
	os.Exit(runReplica(raw))
}

func runReplica(raw string) int {
	var c childConfig
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		fmt.Fprintf(os.Stderr, "gl001 replica: %s: %v\n", replicaEnv, err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)) // orchestrator.New adds the replica id
	busCfg, err := c.Bus.Config()
	if err != nil {
		log.Error("bus settings", "err", err)
		return 2
	}
	c.Replica.Bus = busCfg
	r, err := orchestrator.New(c.Replica, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	err = r.Run(ctx, func(url string) error {
		return supervisor.Announce(os.Stdout, supervisor.Ready{ID: c.Replica.ID, URL: url, PID: os.Getpid()})
	})
	if err != nil {
		log.Error("stopped", "err", err)
		return 1
	}
	return 0
}
