package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/spf13/cobra"
)

// buildInfo is what this binary knows about how it was built, from the
// module and VCS stamps the go command embeds (debug.ReadBuildInfo).
type buildInfo struct {
	Version   string     `json:"version"`            // module version, "(devel)" for a work tree
	Revision  string     `json:"revision,omitempty"` // VCS commit
	Modified  bool       `json:"modified"`           // built from a work tree with uncommitted changes
	BuildTime *time.Time `json:"build_time,omitempty"`
	GoVersion string     `json:"go_version"`
	Platform  string     `json:"platform"`
}

// currentBuildInfo reads the build information the first time version or
// --version asks, not on every invocation (verify runs at each login).
var currentBuildInfo = sync.OnceValue(readBuildInfo)

func init() {
	// The root's version template calls this, so --version reads the
	// build information only when it is given.
	cobra.AddTemplateFunc("buildVersion", func() string { return currentBuildInfo().String() })
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: "unknown", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if info.Main.Version != "" {
		b.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		case "vcs.time":
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				b.BuildTime = &t
			}
		}
	}
	return b
}

// String is the one line --version and version print.
func (b buildInfo) String() string {
	s := "two-factor " + b.Version
	if b.Revision != "" {
		s += " (" + b.Revision
		if b.Modified {
			s += ", modified"
		}
		if b.BuildTime != nil {
			s += ", " + b.BuildTime.UTC().Format(time.RFC3339)
		}
		s += ")"
	}
	return s + fmt.Sprintf(" %s %s", b.GoVersion, b.Platform)
}

func (a *app) versionCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show the version, VCS revision and build of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b := currentBuildInfo()
			if asJSON {
				return printJSON(cmd.OutOrStdout(), b)
			}
			fmt.Fprintln(cmd.OutOrStdout(), safe(b.String()))
			return nil
		},
	}
	jsonFlag(cmd, &asJSON)
	return cmd
}
