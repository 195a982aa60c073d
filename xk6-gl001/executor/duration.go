package executor

import "github.com/greenlang/gl001/xk6-gl001/k6duration"

// Duration is a k6 duration in a scenario's JSON (see k6duration).
type Duration = k6duration.Duration
