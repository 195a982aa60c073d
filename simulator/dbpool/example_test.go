package dbpool_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/greenlang/gl001/simulator/dbpool"
)

// The pool's Stats is the connection_pool object of
// GET /api/v1/metrics/database.
func ExamplePool_Stats() {
	p, err := dbpool.New(dbpool.Config{Size: 100, Overflow: 50, Timeout: 60 * time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 3 {
		if _, err := p.Exec(context.Background(), 2); err != nil {
			fmt.Println(err)
		}
	}
	s := p.Stats()
	b, _ := json.Marshal(struct {
		Size      int   `json:"size"`
		InUse     int   `json:"in_use"`
		Available int   `json:"available"`
		WaitCount int64 `json:"wait_count"`
		Queries   int64 `json:"queries_total"`
	}{s.Size, s.InUse, s.Available, s.WaitCount, s.QueriesTotal})
	fmt.Println(string(b))
	// Output: {"size":100,"in_use":0,"available":100,"wait_count":0,"queries_total":6}
}
