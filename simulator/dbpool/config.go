// Package dbpool is the stand-in orchestrator's database connection pool: a
// bounded set of connections that every optimization and every coordination
// write must hold for the database's service time. There is no database
// behind it, but the pressure is real: when more callers want a connection
// than the pool allows they queue, wait, and time out, and those waits and
// timeouts are measured, not invented.
//
// The knobs are the guide's ConfigMap keys (gl-001-config): DB_POOL_SIZE,
// DB_POOL_OVERFLOW and DB_POOL_TIMEOUT, with SQLAlchemy QueuePool semantics
// (pool_size, max_overflow, pool_timeout). Stats is the connection_pool
// object of GET /api/v1/metrics/database.
package dbpool

import (
	"errors"
	"fmt"
	"time"
)

// Config sizes a Pool. The zero value is not valid; Size and Timeout must be
// set.
type Config struct {
	// Size is DB_POOL_SIZE: the connections the pool keeps open. At least 1.
	Size int
	// Overflow is DB_POOL_OVERFLOW: extra connections opened beyond Size
	// while all Size are busy (SQLAlchemy's max_overflow). An overflow
	// connection is closed when it is released instead of being kept idle.
	// At least 0.
	Overflow int
	// Timeout is DB_POOL_TIMEOUT: how long Acquire waits for a connection
	// before failing with ErrTimeout. Greater than 0.
	Timeout time.Duration
	// QueryTime is the database's service time for one query: Exec holds its
	// connection for queries×QueryTime. At least 0; 0 releases at once.
	QueryTime time.Duration
}

// Validate reports every problem with c at once, each naming the field, its
// ConfigMap key and the value that was wrong. It does not modify c.
func (c Config) Validate() error {
	var errs []error
	if c.Size < 1 {
		errs = append(errs, fmt.Errorf("db pool: size (DB_POOL_SIZE) is %d, must be at least 1", c.Size))
	}
	if c.Overflow < 0 {
		errs = append(errs, fmt.Errorf("db pool: overflow (DB_POOL_OVERFLOW) is %d, must be 0 or more", c.Overflow))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("db pool: timeout (DB_POOL_TIMEOUT) is %v, must be greater than 0", c.Timeout))
	}
	if c.QueryTime < 0 {
		errs = append(errs, fmt.Errorf("db pool: query time is %v, must be 0 or more", c.QueryTime))
	}
	return errors.Join(errs...)
}
