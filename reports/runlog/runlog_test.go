package runlog_test

import (
	"errors"
	"testing"

	"github.com/greenlang/gl001/reports/runlog"
)

func TestLoadNotARun(t *testing.T) {
	if _, err := runlog.Load(t.TempDir()); !errors.Is(err, runlog.ErrNoRun) {
		t.Errorf("err = %v, want ErrNoRun", err)
	}
}
