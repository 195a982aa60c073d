// Command gl001-image writes gl001's container image as an OCI image
// layout, with no container daemon and no registry (package deploy/image):
//
//	CGO_ENABLED=0 GOOS=linux go build -o bin/linux/gl001 ./cmd/gl001
//	go run ./cmd/gl001-image -binary bin/linux/gl001 -o bin/image -tag ghcr.io/greenlang/gl001:dev
//
// `make image` runs both. Exit codes: 0 written, 1 failed, 2 bad input.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"

	"github.com/greenlang/gl001/deploy/image"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("gl001-image", flag.ContinueOnError)
	fl.SetOutput(stderr)
	binary := fl.String("binary", "", "the static linux gl001 binary (CGO_ENABLED=0) to put in the image (required)")
	out := fl.String("o", "bin/image", "folder the OCI image layout is written to (replaced)")
	tag := fl.String("tag", "ghcr.io/greenlang/gl001:dev", "the image's name, recorded as org.opencontainers.image.ref.name")
	arch := fl.String("arch", runtime.GOARCH, "the binary's GOARCH, recorded in the image config")
	caCerts := fl.String("ca-certs", image.CACertPath, `PEM CA bundle copied to `+image.CACertPath+` in the image ("" for none; skipped when the default is absent)`)
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *binary == "" || fl.NArg() > 0 {
		fmt.Fprintln(stderr, "gl001-image: -binary FILE is required, and no arguments")
		fl.Usage()
		return 2
	}
	bin, err := os.ReadFile(*binary)
	if err != nil {
		fmt.Fprintf(stderr, "gl001-image: -binary: %v\n", err)
		return 2
	}
	var ca []byte
	if *caCerts != "" {
		ca, err = os.ReadFile(*caCerts)
		switch {
		case errors.Is(err, fs.ErrNotExist) && *caCerts == image.CACertPath:
			fmt.Fprintf(stderr, "gl001-image: no %s on this machine; the image has no CA bundle (TLS needs --kafka-tls-ca)\n", image.CACertPath)
			ca = nil
		case err != nil:
			fmt.Fprintf(stderr, "gl001-image: -ca-certs: %v\n", err)
			return 2
		}
	}
	img, err := image.Build(image.Gl001(bin, ca, *arch))
	if errors.Is(err, image.ErrConfig) {
		fmt.Fprintf(stderr, "gl001-image: %v\n", err)
		return 2
	}
	if err == nil {
		err = image.WriteLayout(*out, img, *tag)
	}
	if err != nil {
		fmt.Fprintf(stderr, "gl001-image: %v\n", err)
		return 1
	}
	d, err := img.Digest()
	if err != nil {
		fmt.Fprintf(stderr, "gl001-image: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s %s (OCI layout in %s)\n", *tag, d, *out)
	return 0
}
