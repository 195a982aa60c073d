package api

import "time"

// ReadyLine is the one JSON line `gl001 simulate` prints on stdout once the
// stand-in serves: where to send requests and events, and what runs. A
// process that starts the stand-in as a child reads it to know its target.
type ReadyLine struct {
	API      string   `json:"api"`
	Brokers  []string `json:"brokers"`
	Embedded bool     `json:"embedded_broker"`
	Topic    string   `json:"topic"`
	AckTopic string   `json:"ack_topic"`
	Group    string   `json:"group"`
	// Workers is each replica's coordination workers
	// (KAFKA_CONSUMER_THREADS).
	Workers int `json:"workers"`
	// DBPoolSize is DB_POOL_SIZE for the whole deployment.
	DBPoolSize int       `json:"db_pool_size"`
	Replicas   []Replica `json:"replicas"`
	// Limits are every replica's CPU and memory limits and whether they
	// are enforced (limit_source), so a parent reading this line knows
	// what the replicas' percentages are of.
	Limits ReplicaLimits `json:"limits"`
	// RegionRoundTripsMS are the round trips the stand-in adds, by
	// region, in milliseconds, when it was given regions; absent without.
	RegionRoundTripsMS map[string]float64 `json:"region_round_trips_ms,omitempty"`
}

// Replica is a snapshot of one stand-in replica process, as the ready line
// and GET /api/v1/capacity list them.
type Replica struct {
	// ID is "replica-N".
	ID string `json:"id"`
	// PID is the serving process's id (as announced), or the id of the
	// process being started; that of the last process while down.
	PID int `json:"pid"`
	// URL is the base URL the replica announced; kept while it is down,
	// empty while a new process is starting.
	URL string `json:"url"`
	// Up is true from the replica's announcement until its process exits.
	Up bool `json:"up"`
	// Restarts counts the processes started for this replica after the
	// first, successful or not.
	Restarts int `json:"restarts"`
	// StartedAt is when the current (or last) process was started.
	StartedAt time.Time `json:"started_at"`
	// LastExit is how the replica's last process that exited ended, e.g.
	// "signal: killed; OOMKilled: the 256Mi memory limit killed it
	// (oom_kill +1)"; empty while none has.
	LastExit string `json:"last_exit,omitempty"`
}
