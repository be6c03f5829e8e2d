package scan_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/modelscan-go/modelscan/scan"
)

// Scan a PyTorch checkpoint written by torch.save. Nothing is loaded or
// executed: the archive is read and its data.pkl analysed opcode by opcode.
func Example() {
	s, err := scan.New(scan.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := s.Scan(context.Background(), "../testdata/real/torch/state_dict.pt")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, src := range res.Scanned {
		fmt.Println("scanned:", src)
	}
	fmt.Println("findings:", len(res.Findings))
	fmt.Println("errors:", len(res.Errors))
	fmt.Println("safe to load:", res.MaxSeverity() < scan.Medium)
	// Output:
	// scanned: state_dict.pt
	// scanned: state_dict.pt:state_dict/data.pkl
	// findings: 0
	// errors: 0
	// safe to load: true
}

// Scan bytes held in memory, such as an upload, before anything loads them.
// This pickle calls os.system when unpickled; here it is only read.
func ExampleScanner_ScanReader() {
	pkl := []byte("cos\nsystem\n(S'echo pwned'\ntR.")
	s, err := scan.New(scan.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	res := s.ScanReader(context.Background(), "upload.pkl", bytes.NewReader(pkl), int64(len(pkl)))
	for _, f := range res.Findings {
		fmt.Println(f.Severity, f.Rule, f.Source)
		fmt.Println("evidence:", f.Evidence)
	}
	fmt.Println("safe to load:", res.MaxSeverity() < scan.Medium)
	// Output:
	// CRITICAL pickle-dangerous-import upload.pkl
	// evidence: os.system('echo pwned'): runs shell commands, spawns processes, touches files
	// safe to load: false
}
