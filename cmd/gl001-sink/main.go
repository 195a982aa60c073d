// Command gl001-sink is a trivial GL-001 optimize endpoint on 127.0.0.1,
// the common target of `make bench-peers`: it answers POST
// /api/v1/optimize with a small stand-in-shaped answer and keeps its own
// view of the service times (GET /stats, POST /stats/reset). See package
// xk6-gl001/bench/sink.
//
// When it listens it prints one JSON line on stdout, {"url": "http://..."};
// SIGINT or SIGTERM stops it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/bench/sink"
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, sig))
}

func run(args []string, stdout, stderr io.Writer, sig <-chan os.Signal) int {
	fs := flag.NewFlagSet("gl001-sink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on, host:port; loopback only (port 0 picks a free one)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "gl001-sink: unexpected argument %q (the only flag is --listen)\n", fs.Arg(0))
		return 2
	}
	ln, err := sink.Listen(*listen)
	if errors.Is(err, sink.ErrNotLoopback) {
		fmt.Fprintf(stderr, "gl001-sink: invalid argument for \"--listen\" flag: %v\n", err)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "gl001-sink: --listen %s: %v\n", *listen, err)
		return 1
	}
	sk := sink.New()
	srv := &http.Server{Handler: sk, ConnState: sk.ConnState, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	_ = json.NewEncoder(stdout).Encode(map[string]string{"url": "http://" + ln.Addr().String()})

	select {
	case err := <-served:
		fmt.Fprintf(stderr, "gl001-sink: %v\n", err)
		return 1
	case <-sig:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		_ = srv.Close()
	}
	return 0
}
