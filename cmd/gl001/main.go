// Command gl001 is a load-test and performance harness for the GL-001
// ProcessHeatOrchestrator. This package only parses flags, wires the
// packages together and maps their errors to exit codes; main is the only
// place that exits.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/greenlang/gl001/simulator"
)

func main() {
	// A stand-in replica is this binary re-executed; it never reaches the CLI.
	simulator.MaybeRunReplica()
	os.Exit(run(os.Args[1:], processStreams()))
}

// processStreams are the process's own standard streams and its SIGINT
// and SIGTERM.
func processStreams() streams {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	return streams{
		in:          os.Stdin,
		out:         os.Stdout,
		err:         os.Stderr,
		isTerminal:  func() bool { return term.IsTerminal(int(os.Stdin.Fd())) },
		errTerminal: func() bool { return term.IsTerminal(int(os.Stderr.Fd())) },
		signals:     sigs,
	}
}
