package program

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The docker Images' logical names: fixed, so that changing image.name
// updates the resource instead of replacing it.
const (
	imageResourceName        = "cloudperf-app"
	loadgenImageResourceName = "cloudperf-client"
)

// imageSpec is one image the program runs and how it is configured.
type imageSpec struct {
	resourceName string
	cfg          ImageConfig
	// dockerfileKey is the config key named when the Dockerfile is missing.
	dockerfileKey string
}

// appImage is the service's image: image.*.
func appImage(cfg Config) imageSpec {
	return imageSpec{resourceName: imageResourceName, cfg: cfg.Image, dockerfileKey: KeyImageDockerfile}
}

// image is the container image the Deployment runs.
type image struct {
	// Ref is what the pod spec names.
	Ref pulumi.StringOutput
	// Resource is the docker image, nil when an image.ref is deployed.
	Resource *docker.Image
}

// newImage builds the spec's Dockerfile (app/Dockerfile for the service,
// client/Dockerfile for the load generator) with pulumi-docker, or with
// build false registers nothing and passes the ref through.
//
// Built images are tagged with contentTag, a hash of what the build sees:
//   - not pushed (minikube: the build runs in minikube's Docker daemon
//     after `eval $(minikube docker-env)`): the pod names
//     "<image.name>:<content tag>", present on the node, pulled IfNotPresent;
//   - pushed: "<registry>/<image.name>:<content tag>" is pushed and the pod
//     names the pushed digest (RepoDigest, repo@sha256:…), immutable.
//
// A source change changes the tag, so the Deployment rolls.
func newImage(ctx *pulumi.Context, spec imageSpec) (*image, error) {
	ic := spec.cfg
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
			qualified(spec.dockerfileKey), dockerfile, root)
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
	img, err := docker.NewImage(ctx, spec.resourceName, args)
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
