package integration

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLibraryImportsNoUI: the scan package (the library Go programs use)
// depends on no terminal, command-line or report code; the CLI's progress
// bar reaches it only through the scan.Observer interface.
func TestLibraryImportsNoUI(t *testing.T) {
	cmd := exec.Command(goTool(), "list", "-deps", "./scan")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./scan: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps ./scan: %q", deps)
	}
	for _, d := range deps {
		for _, bad := range []string{
			"github.com/spf13/cobra", "github.com/spf13/pflag", "golang.org/x/term",
			"github.com/modelscan-go/modelscan/internal/progress",
			"github.com/modelscan-go/modelscan/internal/cli",
			"github.com/modelscan-go/modelscan/internal/report",
		} {
			if d == bad {
				t.Errorf("scan depends on %s", d)
			}
		}
	}
}
