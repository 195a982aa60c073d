package main

import (
	"context"
	"errors"
	"os"
)

// errHardStop is returned when a second signal asks to stop at once.
var errHardStop = &exitError{code: 130, err: errors.New("interrupted twice: stopped at once; results may be incomplete")}

// onSignal returns a context cancelled by the first signal on sigs (stop
// gracefully) and a channel closed by the second (stop now). stop releases
// the watcher.
func onSignal(parent context.Context, sigs <-chan os.Signal) (ctx context.Context, hard <-chan struct{}, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	hardc := make(chan struct{})
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs: // a nil channel never delivers
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			close(hardc)
		case <-done:
		}
	}()
	return ctx, hardc, func() { close(done); cancel() }
}

// untilHardStop runs f and returns its error, or errHardStop as soon as
// hard is closed, leaving f to be ended by the process's exit.
func untilHardStop(hard <-chan struct{}, f func() error) error {
	errc := make(chan error, 1)
	go func() { errc <- f() }()
	select {
	case err := <-errc:
		return err
	case <-hard:
		return errHardStop
	}
}
