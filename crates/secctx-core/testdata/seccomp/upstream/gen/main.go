// Command upstream runs containerd's and moby's own seccomp code and prints the JSON they
// produce, for secctx's fixtures. See gen.sh (which builds it against the upstream sources).
//
//	upstream containerd <bounding>          containerd DefaultProfile(spec)
//	upstream moby <profile.json> <bounding> moby LoadProfile(body, spec)
//	upstream oci <profile.json>             containerd's Localhost decoding (WithProfile)
//
// <bounding> is a comma-separated capability list ("" = empty). The kernel version is the
// one uname(2) reports (run under `qemu-<arch> -r <release>` to choose it).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	cdseccomp "github.com/containerd/containerd/v2/contrib/seccomp"
	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func spec(bounding string) *specs.Spec {
	var caps []string
	if bounding != "" {
		caps = strings.Split(bounding, ",")
	}
	return &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}}}
}

func main() {
	var out interface{}
	switch os.Args[1] {
	case "containerd":
		out = cdseccomp.DefaultProfile(spec(os.Args[2]))
	case "moby":
		body, err := os.ReadFile(os.Args[2])
		check(err)
		p, err := mobyseccomp.LoadProfile(string(body), spec(os.Args[3]))
		check(err)
		out = p
	case "oci":
		body, err := os.ReadFile(os.Args[2])
		check(err)
		var p specs.LinuxSeccomp
		check(json.Unmarshal(body, &p))
		out = &p
	}
	b, err := json.Marshal(out)
	check(err)
	fmt.Println(string(b))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
