package cluster

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Image is a one-binary container image, the shape of the final stage of
// app/Dockerfile and client/Dockerfile (a static binary on an otherwise empty
// root, a numeric non-root user, an exec-form entrypoint). There is no
// registry and no Docker engine here: the cluster imports such images into
// its containerd, and pods use them with imagePullPolicy IfNotPresent.
type Image struct {
	Ref    string   // e.g. "cloudperf.local/app:e2e"
	Binary string   // a static binary on the host
	Path   string   // its path in the image and the entrypoint, e.g. "/app"
	User   string   // e.g. "65532:65532"
	Ports  []int    // exposed TCP ports
	Env    []string // KEY=VALUE
}

// writeImage writes img as a docker-archive tarball (what `docker save`
// writes and `ctr images import` reads) to path.
func writeImage(img Image, path string) error {
	ref, err := name.NewTag(img.Ref)
	if err != nil {
		return fmt.Errorf("cluster: image %q: %w", img.Ref, err)
	}
	bin, err := os.ReadFile(img.Binary)
	if err != nil {
		return fmt.Errorf("cluster: image %s: %w", img.Ref, err)
	}
	var layerTar bytes.Buffer
	tw := tar.NewWriter(&layerTar)
	// The binary, plus an empty /tmp: a read-only root has nowhere else to write.
	for _, h := range []*tar.Header{
		{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777},
		{Name: strings.TrimPrefix(img.Path, "/"), Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(bin))},
	} {
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
	}
	if _, err := tw.Write(bin); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar.Bytes())), nil
	})
	if err != nil {
		return err
	}
	image, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cfg, err := image.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", runtime.GOARCH
	cfg.Config.User = img.User
	cfg.Config.Entrypoint = []string{img.Path}
	cfg.Config.Env = img.Env
	if len(img.Ports) > 0 {
		cfg.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range img.Ports {
			cfg.Config.ExposedPorts[strconv.Itoa(p)+"/tcp"] = struct{}{}
		}
	}
	if image, err = mutate.ConfigFile(image, cfg); err != nil {
		return err
	}
	return tarball.WriteToFile(path, ref, image)
}

// LoadImage builds img and imports it into the node's containerd (namespace
// k8s.io, the one the kubelet's CRI uses).
func (c *Cluster) LoadImage(ctx context.Context, img Image) error {
	dir := c.path("images")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tarPath := filepath.Join(dir, strings.NewReplacer("/", "_", ":", "_").Replace(img.Ref)+".tar")
	if err := writeImage(img, tarPath); err != nil {
		return err
	}
	if err := run(ctx, c.ns.enter(c.ctr("images", "import", tarPath)...)...); err != nil {
		return fmt.Errorf("cluster: import image %s: %w", img.Ref, err)
	}
	c.logf("cluster: image %s imported (%s)", img.Ref, c.since())
	return nil
}
