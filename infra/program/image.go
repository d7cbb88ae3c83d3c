package program

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// imageResourceName is the docker Image's logical name: fixed, so that
// changing image.name updates the resource instead of replacing it.
const imageResourceName = "cloudperf-app"

// image is the container image the Deployment runs.
type image struct {
	// Ref is what the pod spec names.
	Ref pulumi.StringOutput
	// Resource is the docker image, nil when an image.ref is deployed.
	Resource *docker.Image
}

// newImage builds app/Dockerfile with pulumi-docker, or with image.build
// false registers nothing and passes image.ref through.
//
// Built images are tagged with contentTag, a hash of what the build sees:
//   - not pushed (minikube: the build runs in minikube's Docker daemon
//     after `eval $(minikube docker-env)`): the pod names
//     "<image.name>:<content tag>", present on the node, pulled IfNotPresent;
//   - pushed: "<registry>/<image.name>:<content tag>" is pushed and the pod
//     names the pushed digest (RepoDigest, repo@sha256:…), immutable.
//
// A source change changes the tag, so the Deployment rolls.
func newImage(ctx *pulumi.Context, cfg Config) (*image, error) {
	ic := cfg.Image
	if !ic.Build {
		return &image{Ref: pulumi.String(ic.Ref).ToStringOutput()}, nil
	}

	root, err := projectRoot(ctx)
	if err != nil {
		return nil, err
	}
	contextDir := resolve(root, ic.Context)
	dockerfile := resolve(root, ic.Dockerfile)
	if fi, err := os.Stat(contextDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%s: build context %s is not a folder (relative paths start at the project root %s)",
			qualified(KeyImageContext), contextDir, root)
	}
	if fi, err := os.Stat(dockerfile); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %s is not a file (relative paths start at the project root %s)",
			qualified(KeyImageDockerfile), dockerfile, root)
	}
	tag, err := contentTag(contextDir, dockerfile, ic.Platform)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", qualified(KeyImageContext), err)
	}

	repo := ic.Name
	if ic.Push {
		repo = ic.Registry + "/" + ic.Name
	}
	args := &docker.ImageArgs{
		ImageName: pulumi.String(repo + ":" + tag),
		Build: &docker.DockerBuildArgs{
			Context:        pulumi.String(contextDir),
			Dockerfile:     pulumi.String(dockerfile),
			Platform:       pulumi.String(ic.Platform),
			BuilderVersion: docker.BuilderVersionBuilderBuildKit,
		},
		SkipPush: pulumi.Bool(!ic.Push),
	}
	if ic.Push {
		reg := &docker.RegistryArgs{Server: pulumi.String(registryHost(ic.Registry))}
		if ic.RegistryUsername != "" {
			reg.Username = pulumi.String(ic.RegistryUsername)
			reg.Password = pulumi.ToSecret(pulumi.String(ic.RegistryPassword)).(pulumi.StringOutput)
		}
		args.Registry = reg
	}
	img, err := docker.NewImage(ctx, imageResourceName, args)
	if err != nil {
		return nil, err
	}
	ref := img.ImageName
	if ic.Push {
		ref = img.RepoDigest
	}
	return &image{Ref: ref, Resource: img}, nil
}

// registryHost is the server part of "host[:port]/path".
func registryHost(registry string) string {
	for i := 0; i < len(registry); i++ {
		if registry[i] == '/' {
			return registry[:i]
		}
	}
	return registry
}
