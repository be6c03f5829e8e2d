package scan_test

import (
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
