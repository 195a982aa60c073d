package image_test

import (
	"archive/tar"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/greenlang/gl001/deploy/image"
)

// readBack opens the layout in dir and returns its one image and the
// descriptor index.json gives it.
func readBack(t *testing.T, dir string) (v1.Image, v1.Descriptor) {
	t.Helper()
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 {
		t.Fatalf("index.json lists %d manifests, want 1", len(im.Manifests))
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img, im.Manifests[0]
}

type entry struct {
	hdr  *tar.Header
	data string
}

func layerEntries(t *testing.T, l v1.Layer) map[string]entry {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	out := map[string]entry{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = entry{h, string(b)}
	}
}

func TestBuildWritesAnImageThatReadsBack(t *testing.T) {
	const body = "#!/bin/true\nnot really gl001\n"
	cfg := image.Gl001([]byte(body), []byte("-----BEGIN CERTIFICATE-----\n"), "arm64")
	img, err := image.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "image")
	if err := image.WriteLayout(dir, img, "ghcr.io/greenlang/gl001:test"); err != nil {
		t.Fatal(err)
	}
	got, desc := readBack(t, dir)
	if ref := desc.Annotations["org.opencontainers.image.ref.name"]; ref != "ghcr.io/greenlang/gl001:test" {
		t.Errorf("ref.name %q", ref)
	}
	if desc.MediaType != types.OCIManifestSchema1 {
		t.Errorf("manifest media type %s, want OCI", desc.MediaType)
	}
	cf, err := got.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "65532:65532" {
		t.Errorf("user %q", cf.Config.User)
	}
	if !slices.Equal(cf.Config.Entrypoint, []string{"/usr/local/bin/gl001"}) {
		t.Errorf("entrypoint %q", cf.Config.Entrypoint)
	}
	if cf.OS != "linux" || cf.Architecture != "arm64" {
		t.Errorf("platform %s/%s", cf.OS, cf.Architecture)
	}
	layers, err := got.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	if mt, _ := layers[0].MediaType(); mt != types.OCILayer {
		t.Errorf("layer media type %s", mt)
	}
	es := layerEntries(t, layers[0])
	bin, ok := es["usr/local/bin/gl001"]
	if !ok {
		t.Fatalf("no usr/local/bin/gl001 in the layer: %v", keys(es))
	}
	if bin.data != body || bin.hdr.FileInfo().Mode() != 0o755 || bin.hdr.Uid != 0 || bin.hdr.Typeflag != tar.TypeReg {
		t.Errorf("binary: %q mode %v uid %d type %c", bin.data, bin.hdr.FileInfo().Mode(), bin.hdr.Uid, bin.hdr.Typeflag)
	}
	if ca := es["etc/ssl/certs/ca-certificates.crt"]; ca.hdr == nil || ca.hdr.FileInfo().Mode() != 0o644 {
		t.Errorf("CA bundle missing or mode wrong: %+v", ca.hdr)
	}
	if tmp := es["tmp/"]; tmp.hdr == nil || tmp.hdr.FileInfo().Mode() != fs.ModeDir|fs.ModeSticky|0o777 {
		t.Errorf("/tmp: %+v", tmp.hdr)
	}
	for _, d := range []string{"usr/", "usr/local/", "usr/local/bin/", "etc/", "etc/ssl/", "etc/ssl/certs/"} {
		if e := es[d]; e.hdr == nil || e.hdr.Typeflag != tar.TypeDir {
			t.Errorf("parent directory %s missing", d)
		}
	}
	if len(es) != 9 {
		t.Errorf("layer entries %v, want the two files, their six directories and tmp/", keys(es))
	}

	// The same files, the same digest: nothing in the image depends on when
	// or where it was built.
	again, err := image.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := got.Digest()
	d2, _ := again.Digest()
	if d1 != d2 {
		t.Errorf("digests differ between two builds: %s, %s", d1, d2)
	}
}

func keys(m map[string]entry) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestValidateNamesEveryProblem(t *testing.T) {
	cfg := image.Config{
		Files: []image.File{
			{Path: "usr/bin/gl001", Mode: 0o755},
			{Path: "/a", Mode: 0o644}, {Path: "/a", Mode: 0o644},
			{Path: "/tmp/x", Mode: 0o644},
			{Path: "/b", Mode: fs.ModeSetuid | 0o755},
		},
		User: "0:0",
	}
	_, err := image.Build(cfg)
	if !errors.Is(err, image.ErrConfig) {
		t.Fatalf("err %v, want ErrConfig", err)
	}
	for _, w := range []string{`files[0].path "usr/bin/gl001"`, `files[2].path "/a": given twice`, `files[3].path "/tmp/x"`,
		`files[4].mode`, `user "0:0"`, "entrypoint: empty", `os "", architecture ""`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}
