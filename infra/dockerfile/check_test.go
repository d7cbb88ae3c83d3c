package dockerfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// appRules are app/Dockerfile's (images_test.go), at go.mod's version.
var appRules = Rules{GoVersion: "1.26.8", Sources: []string{"go.mod", "go.sum", "app/"}, Expose: "5000"}

// goodDockerfile passes the checker; each case below breaks one rule of it.
const goodDockerfile = `# syntax=docker/dockerfile:1
FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY app/ ./app/
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/app ./app

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
USER 65532:65532
EXPOSE 5000
ENTRYPOINT ["/app"]
`

func TestDockerfileChecker(t *testing.T) {
	type edit struct{ old, new string }
	tests := []struct {
		name  string
		edits []edit
		want  string // substring of the one problem reported; "" means none
	}{
		{name: "good"},
		{"scratch base", []edit{{"gcr.io/distroless/static-debian12:nonroot", "scratch"}}, ""},
		{"ENV instead of inline CGO_ENABLED", []edit{{"WORKDIR /src", "ENV CGO_ENABLED=0\nWORKDIR /src"}, {"CGO_ENABLED=0 GOOS", "GOOS"}}, ""},
		{"-o= form", []edit{{"-o /out/app", "-o=/out/app"}}, ""},
		{"exec form RUN", []edit{{`CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/app ./app`, `["/usr/local/go/bin/go", "build", "-trimpath", "-ldflags=-s -w", "-o", "/out/app", "./app"]`},
			{"WORKDIR /src", "ENV CGO_ENABLED=0\nWORKDIR /src"}}, ""},
		{"copy by stage index into a directory", []edit{{"COPY --from=build /out/app /app", "COPY --from=0 /out/app /usr/local/bin/"}, {`["/app"]`, `["/usr/local/bin/app"]`}}, ""},
		{"builder pinned by digest", []edit{{"golang:1.26.8-bookworm", "golang@sha256:" + strings.Repeat("ab", 32)}}, ""},
		{"CMD in exec form too", []edit{{`ENTRYPOINT ["/app"]`, `ENTRYPOINT ["/app"]` + "\nCMD [\"-log-format\", \"json\"]"}}, ""},

		{"no syntax line", []edit{{"# syntax=docker/dockerfile:1\n", ""}}, "syntax"},
		{"single stage", []edit{{"FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /out/app /app\n", ""}}, "multi-stage"},
		{"final stage with a shell", []edit{{"gcr.io/distroless/static-debian12:nonroot", "alpine:3.20"}}, "final stage base"},
		{"distroless debug has busybox", []edit{{"static-debian12:nonroot", "static-debian12:debug-nonroot"}}, "debug"},
		{"distroless base is not static", []edit{{"static-debian12", "base-debian12"}}, "final stage base"},
		{"RUN in final stage", []edit{{"USER 65532:65532", "RUN [\"/app\", \"-h\"]\nUSER 65532:65532"}}, "RUN"},
		{"no USER", []edit{{"USER 65532:65532\n", ""}}, "no USER"},
		{"USER by name", []edit{{"USER 65532:65532", "USER nonroot:nonroot"}}, "numeric"},
		{"USER root", []edit{{"USER 65532:65532", "USER 0"}}, "non-zero"},
		{"USER root group", []edit{{"USER 65532:65532", "USER 65532:0"}}, "non-zero"},
		{"later USER root wins", []edit{{"EXPOSE 5000", "EXPOSE 5000\nUSER 0:0"}}, "non-zero"},
		{"USER only in build stage", []edit{{"USER 65532:65532\n", ""}, {"WORKDIR /src", "USER 65532:65532\nWORKDIR /src"}}, "no USER"},
		{"wrong port", []edit{{"EXPOSE 5000", "EXPOSE 8080"}}, "EXPOSE 5000"},
		{"shell-form ENTRYPOINT", []edit{{`ENTRYPOINT ["/app"]`, "ENTRYPOINT /app"}}, "exec form"},
		{"shell-form CMD", []edit{{`ENTRYPOINT ["/app"]`, `ENTRYPOINT ["/app"]` + "\nCMD -log-format json"}}, "exec form"},
		{"no ENTRYPOINT", []edit{{`ENTRYPOINT ["/app"]`, `CMD ["/app"]`}}, "ENTRYPOINT"},
		{"cgo on", []edit{{"CGO_ENABLED=0", "CGO_ENABLED=1"}}, "CGO_ENABLED=0"},
		{"cgo unset", []edit{{"CGO_ENABLED=0 ", ""}}, "CGO_ENABLED=0"},
		{"no -trimpath", []edit{{"-trimpath ", ""}}, "-trimpath"},
		{"no -s -w", []edit{{`-ldflags="-s -w" `, ""}}, "-s -w"},
		{"no go build", []edit{{"go build", "make build"}}, "go build"},
		{"no cache mount", []edit{{"--mount=type=cache,target=/go/pkg/mod \\\n    ", ""}}, "cache mount"},
		{"go mod download", []edit{{"COPY app/", "RUN go mod download\nCOPY app/"}}, "go mod download"},
		{"whole context copied", []edit{{"COPY app/ ./app/", "COPY . ."}}, "only go.mod"},
		{"builder latest", []edit{{"golang:1.26.8-bookworm", "golang:latest"}}, "pinned"},
		{"builder untagged", []edit{{"golang:1.26.8-bookworm", "golang"}}, "pinned"},
		{"builder minor only", []edit{{"golang:1.26.8-bookworm", "golang:1.26-bookworm"}}, "pinned"},
		{"builder from a variable", []edit{{"golang:1.26.8-bookworm", "golang:${GO_VERSION}"}}, "pinned"},
		{"builder older than go.mod", []edit{{"golang:1.26.8-bookworm", "golang:1.25.3-bookworm"}}, "older than go.mod"},
		{"entrypoint is not the built binary", []edit{{`["/app"]`, `["/server"]`}}, "ENTRYPOINT"},
		{"copies something the build did not produce", []edit{{"COPY --from=build /out/app", "COPY --from=build /out/other"}}, "produced"},
		{"binary not copied from the build stage", []edit{{"COPY --from=build /out/app /app", "COPY app/ /app"}}, "from the build stage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := goodDockerfile
			for _, e := range tt.edits {
				if !strings.Contains(src, e.old) {
					t.Fatalf("edit %q does not apply to goodDockerfile", e.old)
				}
				src = strings.Replace(src, e.old, e.new, 1)
			}
			problems := Check(src, appRules)
			if tt.want == "" {
				for _, p := range problems {
					t.Errorf("unexpected problem: %s", p)
				}
				return
			}
			// Each case breaks one rule, so exactly one problem names it.
			if len(problems) != 1 || !strings.Contains(problems[0], tt.want) {
				t.Errorf("want one problem mentioning %q, got %q\n%s", tt.want, problems, src)
			}
		})
	}
}

// The client's rules: its own sources and the service it embeds for --local,
// no port.
func TestClientRules(t *testing.T) {
	rules := Rules{GoVersion: "1.26.8", Sources: []string{"go.mod", "go.sum", "app/hello/", "client/"}}
	client := strings.NewReplacer(
		"COPY app/ ./app/", "COPY app/hello/ ./app/hello/\nCOPY client/ ./client/",
		"/out/app ./app", "/out/client ./client",
		"/out/app /app", "/out/client /client",
		"EXPOSE 5000\n", "",
		`["/app"]`, `["/client"]`,
	).Replace(goodDockerfile)
	if problems := Check(client, rules); len(problems) > 0 {
		t.Errorf("client Dockerfile: %q\n%s", problems, client)
	}
	for _, tc := range []struct{ old, new, want string }{
		{"COPY app/hello/ ./app/hello/", "COPY app/ ./app/", `copies "app": copy only go.mod, go.sum, app/hello/ and client/`},
		{"COPY client/ ./client/", "COPY . .", `copies ".": copy only`},
		{"USER 65532:65532", "USER 0", "non-zero"},
	} {
		src := strings.Replace(client, tc.old, tc.new, 1)
		if problems := Check(src, rules); len(problems) != 1 || !strings.Contains(problems[0], tc.want) {
			t.Errorf("%s → %s: problems %q, want one with %q", tc.old, tc.new, problems, tc.want)
		}
	}
	if Check(client, appRules) == nil {
		t.Error("the client's Dockerfile passes the app's rules (no EXPOSE 5000, copies client/)")
	}
}

func TestGoModVersion(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, gomod string
		want        string // "" means an error
	}{
		{"plain", "module m\n\ngo 1.26.8\n", "1.26.8"},
		{"a comment after it", "module m\ngo 1.26.8 // the toolchain's\n", "1.26.8"},
		{"CRLF line ends", "module m\r\ngo 1.26.8\r\ntoolchain go1.26.9\r\n", "1.26.8"},
		{"minor only", "module m\ngo 1.26\n", "1.26"},
		{"beside requires", "module m\n\ngo 1.26.8\n\nrequire (\n\tgolang.org/x/mod v0.41.0\n)\n", "1.26.8"},
		{"no go directive", "module m\n", ""},
		{"go in a comment only", "module m\n// go 1.26.8\n", ""},
		{"not a go.mod", "package dockerfile\n\nfunc f() {}\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".mod")
			if err := os.WriteFile(file, []byte(tc.gomod), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := GoModVersion(file)
			if tc.want == "" {
				if err == nil {
					t.Errorf("GoModVersion = %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("GoModVersion = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := GoModVersion(filepath.Join(dir, "missing.mod")); err == nil {
		t.Error("a missing file was accepted")
	}
}
