// Package capacity is the GL-001 scaling guide's capacity planning
// calculator: from a plant count and an active sub-agent count it predicts
// the master orchestrator's replicas, per-replica CPU and memory limits and
// requests, the database connection pool and the message-queue workers.
//
// The formulas are the guide's ("Capacity Planning Calculator"), clamps
// included; requests are 60 % of the CPU limit and 70 % of the memory limit,
// rounded down, as the guide's interactive script computes them.
package capacity

import (
	"errors"
	"fmt"
)

// Limits of the calculator's input. Above them the guide's formulas still
// compute, but no fleet of that size is a planning question this tool can
// answer honestly (replicas are clamped at 20 long before).
const (
	MinPlants = 1
	MaxPlants = 10_000
	MinAgents = 0
	MaxAgents = 100_000
)

// Replica bounds from the guide: 3 for high availability, 20 because of
// diminishing returns.
const (
	MinReplicas = 3
	MaxReplicas = 20
)

// Message-queue worker bounds from the guide.
const (
	MinWorkers = 3
	MaxWorkers = 20
)

// ErrInput marks an input outside the calculator's domain; callers map it
// to a usage error.
var ErrInput = errors.New("invalid capacity input")

// Prediction is the calculator's answer for one fleet. CPU is in
// millicores, memory in MiB (Mi), all per replica.
type Prediction struct {
	Plants               int `json:"plants"`
	Agents               int `json:"agents"`
	Replicas             int `json:"replicas"`
	CPUMillicores        int `json:"cpu_millicores"`
	MemoryMiB            int `json:"memory_mib"`
	CPURequestMillicores int `json:"cpu_request_millicores"`
	MemoryRequestMiB     int `json:"memory_request_mib"`
	DBPoolSize           int `json:"db_pool_size"`
	MessageWorkers       int `json:"message_workers"`
}

// Validate reports whether plants and agents are inside the calculator's
// domain, naming the offending input and the allowed range.
func Validate(plants, agents int) error {
	var errs []error
	if plants < MinPlants || plants > MaxPlants {
		errs = append(errs, fmt.Errorf("%w: plants (%d) must be from %d to %d", ErrInput, plants, MinPlants, MaxPlants))
	}
	if agents < MinAgents || agents > MaxAgents {
		errs = append(errs, fmt.Errorf("%w: agents (%d) must be from %d to %d", ErrInput, agents, MinAgents, MaxAgents))
	}
	return errors.Join(errs...)
}

// Calculate applies the guide's five formulas. It returns an error wrapping
// ErrInput when plants or agents are outside [MinPlants, MaxPlants] or
// [MinAgents, MaxAgents].
func Calculate(plants, agents int) (Prediction, error) {
	if err := Validate(plants, agents); err != nil {
		return Prediction{}, err
	}
	replicas := ceilDiv(plants, 5) + ceilDiv(agents, 10)
	cpu := 1000 + 100*plants + 50*agents
	mem := 2048 + 200*plants + 100*agents
	return FromSizing(plants, agents, replicas, cpu, mem)
}

// FromSizing completes a prediction from a replica count and per-replica
// CPU (millicores) and memory (MiB) limits, however they were obtained
// (the guide's formulas, or a calibration's): it clamps the replicas to
// [MinReplicas, MaxReplicas] and derives the requests, the DB pool and the
// message workers as Calculate does. It returns an error wrapping ErrInput
// for plants or agents outside the calculator's domain, or limits below 1.
func FromSizing(plants, agents, replicas, cpuMillicores, memoryMiB int) (Prediction, error) {
	if err := Validate(plants, agents); err != nil {
		return Prediction{}, err
	}
	if cpuMillicores < 1 || memoryMiB < 1 {
		return Prediction{}, fmt.Errorf("%w: CPU limit %dm and memory limit %dMi must be at least 1", ErrInput, cpuMillicores, memoryMiB)
	}
	replicas = clamp(replicas, MinReplicas, MaxReplicas)
	cpu, mem := cpuMillicores, memoryMiB
	return Prediction{
		Plants:        plants,
		Agents:        agents,
		Replicas:      replicas,
		CPUMillicores: cpu,
		MemoryMiB:     mem,
		// Integer arithmetic rounds down exactly as the script's
		// `echo "$CPU * 0.6" | bc | cut -d. -f1` does.
		CPURequestMillicores: cpu * 6 / 10,
		MemoryRequestMiB:     mem * 7 / 10,
		// The pool uses the replica count after clamping, as the script does.
		DBPoolSize:     5*plants + 10*replicas + 20,
		MessageWorkers: clamp(ceilDiv(agents, 20), MinWorkers, MaxWorkers),
	}, nil
}

// TotalCPUMillicores is the CPU limit summed over all replicas.
func (p Prediction) TotalCPUMillicores() int { return p.CPUMillicores * p.Replicas }

// TotalMemoryMiB is the memory limit summed over all replicas.
func (p Prediction) TotalMemoryMiB() int { return p.MemoryMiB * p.Replicas }

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }
