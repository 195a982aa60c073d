package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes, the same for every subcommand.
const (
	exitOK       = 0
	exitFailed   = 1 // a critical finding, or a run that could not complete
	exitBadInput = 2 // bad flags, arguments or input files
)

// streams are the process's standard streams, passed in so tests can run
// the CLI in-process.
type streams struct {
	in         io.Reader
	out        io.Writer
	err        io.Writer
	isTerminal func() bool // whether in is a terminal a person can answer
	// errTerminal says whether err is a terminal (for progress bars).
	errTerminal func() bool
	// signals delivers SIGINT/SIGTERM; nil in tests that send none.
	signals <-chan os.Signal
}

// exitError carries the exit code a subcommand chose. Errors that reach
// run without one come from cobra itself (unknown command or flag, wrong
// argument count) and are usage errors.
type exitError struct {
	code int
	err  error // nil: exit quietly, the command already reported
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// badInput marks err as the user's mistake: exit 2.
func badInput(err error) error { return &exitError{code: exitBadInput, err: err} }

// runE adapts a subcommand body so that any error it returns without an
// exit code of its own is a failure (exit 1), keeping exit 2 for input.
func runE(f func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := f(cmd, args)
		var ee *exitError
		if err != nil && !errors.As(err, &ee) {
			err = &exitError{code: exitFailed, err: err}
		}
		return err
	}
}

func newRoot(s streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "gl001",
		Short: "Load-test and performance harness for the GL-001 ProcessHeatOrchestrator",
		Long: `gl001 plays a fleet of plants and sub-agents against the GL-001
ProcessHeatOrchestrator, measures what it observes, and sets it beside what
the GL-001 scaling guide's capacity calculator predicts, with the guide's
scaling-triggers table and decision tree applied to the observations.

Exit codes: 0 ok, 1 a critical finding or a failure, 2 bad input or usage,
99 thresholds failed or saw no data (run, report --k6).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return badInput(err) })
	root.AddCommand(newVersionCmd(), newCapacityCmd(s), newAssessCmd(s), newSimulateCmd(s), newRunCmd(s), newObserveCmd(s), newReportCmd(s), newK6Cmd(s), newBridgeCmd(s), newHPACmd(s), newBreakpointCmd(s), newCalibrateCmd(s))
	return root
}

// run executes the CLI with args and returns the exit code.
func run(args []string, s streams) int {
	root := newRoot(s)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if !errors.As(err, &ee) {
		ee = &exitError{code: exitBadInput, err: err}
	}
	if ee.err != nil {
		fmt.Fprintf(s.err, "gl001: %v\n", ee.err)
		if ee.code == exitBadInput {
			fmt.Fprintf(s.err, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
	}
	return ee.code
}
