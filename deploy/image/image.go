// Package image builds gl001's container image with no container daemon
// and no registry: a few files as one layer on an empty base, a non-root
// user and an entrypoint, written as an OCI image layout (a directory
// that skopeo, crane, podman, containerd's `ctr image import` and kind's
// `kind load image-archive` read). It makes the same image as the
// repository's Dockerfile.
//
// The image is reproducible: entries are sorted, owned by root and dated
// at the Unix epoch, and the config carries no creation time, so the same
// files give the same digest.
package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// What gl001's image holds, shared with the Dockerfile and deploy/k8s.
const (
	BinaryPath = "/usr/local/bin/gl001"
	CACertPath = "/etc/ssl/certs/ca-certificates.crt"
	// User is distroless's "nonroot"; the manifests' runAsUser.
	User = "65532:65532"
)

// ErrConfig marks a Config that cannot make an image; callers map it to a
// usage error.
var ErrConfig = errors.New("invalid image config")

// File is one regular file of the layer.
type File struct {
	Path string      // absolute path in the image, e.g. /usr/local/bin/gl001
	Mode fs.FileMode // permission bits, e.g. 0o755
	Data []byte
}

// Config says what the image holds and how it starts.
type Config struct {
	Files        []File
	User         string   // uid:gid; must not be root
	Entrypoint   []string // e.g. {BinaryPath}
	Env          []string // KEY=value
	OS           string   // "linux"
	Architecture string   // GOARCH: amd64, arm64, ...
}

// Gl001 is the Config of gl001's image for a static linux binary built
// for arch, with caCerts (PEM, may be nil) as the system's CA bundle so
// TLS to the target and the brokers verifies against public CAs.
func Gl001(binary, caCerts []byte, arch string) Config {
	c := Config{
		Files:        []File{{Path: BinaryPath, Mode: 0o755, Data: binary}},
		User:         User,
		Entrypoint:   []string{BinaryPath},
		Env:          []string{"PATH=/usr/local/bin:/usr/bin:/bin"},
		OS:           "linux",
		Architecture: arch,
	}
	if caCerts != nil {
		c.Files = append(c.Files, File{Path: CACertPath, Mode: 0o644, Data: caCerts})
	}
	return c
}

// Validate returns every problem with c at once, each naming the field.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...))
	}
	if len(c.Files) == 0 {
		bad("files: none; the layer needs at least the binary")
	}
	seen := map[string]bool{}
	for i, f := range c.Files {
		switch {
		case !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path || f.Path == "/":
			bad("files[%d].path %q: want a clean absolute file path, e.g. %s", i, f.Path, BinaryPath)
		case seen[f.Path]:
			bad("files[%d].path %q: given twice", i, f.Path)
		case f.Path == "/tmp" || strings.HasPrefix(f.Path, "/tmp/"):
			bad("files[%d].path %q: /tmp is the layer's own empty directory", i, f.Path)
		}
		seen[f.Path] = true
		if f.Mode&^fs.ModePerm != 0 {
			bad("files[%d].mode %v: want permission bits only, e.g. 0755", i, f.Mode)
		}
	}
	if uid, _, _ := strings.Cut(c.User, ":"); c.User == "" || uid == "0" || uid == "root" {
		bad("user %q: want a non-root uid:gid, e.g. %s", c.User, User)
	}
	if len(c.Entrypoint) == 0 {
		bad("entrypoint: empty; want e.g. [%s]", BinaryPath)
	}
	if c.OS == "" || c.Architecture == "" {
		bad("os %q, architecture %q: both are needed, e.g. linux and amd64", c.OS, c.Architecture)
	}
	return errors.Join(errs...)
}

// Build returns the image c describes: its files, their parent
// directories and an empty world-writable /tmp as one layer on an empty
// base, with OCI media types.
func Build(c Config) (v1.Image, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	tb, err := layerTar(c.Files)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tb)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.AppendLayers(img, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = c.OS, c.Architecture
	cf.Config.User = c.User
	cf.Config.Entrypoint = c.Entrypoint
	cf.Config.Env = c.Env
	cf.Config.WorkingDir = "/"
	return mutate.ConfigFile(img, cf)
}

// epoch dates every entry, so the same files make the same layer digest.
var epoch = time.Unix(0, 0).UTC()

// layerTar writes files, their parent directories (0755) and /tmp (1777),
// all owned by root, sorted by path.
func layerTar(files []File) ([]byte, error) {
	dirs := map[string]bool{"tmp": true}
	for _, f := range files {
		for d := path.Dir(strings.TrimPrefix(f.Path, "/")); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	type entry struct {
		hdr  tar.Header
		data []byte
	}
	var entries []entry
	for d := range dirs {
		mode := int64(0o755)
		if d == "tmp" {
			mode = 0o1777 // any user's temporary files, as on every Linux
		}
		entries = append(entries, entry{hdr: tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: mode}})
	}
	for _, f := range files {
		entries = append(entries, entry{
			hdr:  tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(f.Path, "/"), Mode: int64(f.Mode), Size: int64(len(f.Data))},
			data: f.Data,
		})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].hdr.Name < entries[j].hdr.Name })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.hdr
		h.ModTime, h.Format = epoch, tar.FormatPAX
		if err := tw.WriteHeader(&h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteLayout writes img as an OCI image layout in dir, replacing whatever
// dir held, with ref (e.g. ghcr.io/greenlang/gl001:v1) as the image's
// org.opencontainers.image.ref.name so tools can name it on import.
func WriteLayout(dir string, img v1.Image, ref string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	var opts []layout.Option
	if ref != "" {
		opts = append(opts, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref}))
	}
	return p.AppendImage(img, opts...)
}
