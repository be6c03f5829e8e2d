// Package torchfmt scans PyTorch checkpoints: the legacy stacked-pickle
// format here, the zip format through the zip handler's torch mode.
package torchfmt

import (
	"bytes"
	"fmt"
	"math/big"

	"github.com/modelscan-go/modelscan/internal/core"
	"github.com/modelscan-go/modelscan/internal/formats/picklefmt"
	"github.com/modelscan-go/modelscan/internal/pickle"
	"github.com/modelscan-go/modelscan/internal/policy"
	"github.com/modelscan-go/modelscan/internal/rules"
)

// LegacyMagic is the first pickle of a legacy torch.save file.
var LegacyMagic, _ = new(big.Int).SetString("1950a86a20f9469cfc6c", 16)

// magicLong1 is LegacyMagic as a LONG1 argument; protoPickle is BININT2
// 1001 followed by STOP.
var (
	magicLong1  = []byte{0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}
	protoPickle = []byte{'M', 0xe9, 0x03, '.'}
)

// legacyProtocol is the second pickle (PROTOCOL_VERSION).
const legacyProtocol = 1001

// legacyPickles is how many pickles torch.serialization._legacy_load reads:
// magic number, protocol version, sys_info, the object (with persistent
// ids), the storage keys. Raw storage bytes follow and are never unpickled.
const legacyPickles = 5

// LegacyHandler scans the legacy (pre-1.6, or _use_new_zipfile_serialization
// =False) PyTorch format.
type LegacyHandler struct{ Pol *policy.Policy }

// Name implements core.Handler.
func (h *LegacyHandler) Name() string { return "pytorch-legacy" }

// Match recognises a binary pickle stream whose first pickle is the legacy
// magic number, or whose second is the protocol version 1001 (a computed
// magic number is itself a finding).
func (h *LegacyHandler) Match(head []byte, b *core.Blob) bool {
	if len(head) < 3 || head[0] != 0x80 {
		return false
	}
	// Cheap check first: the magic number (LONG1) or the protocol version
	// (BININT2 1001 then STOP) must appear in the first bytes.
	if !bytes.Contains(head, magicLong1) && !bytes.Contains(head, protoPickle) {
		return false
	}
	// the magic number and protocol version are a handful of opcodes each
	res, _ := pickle.Run(b.R, 0, b.Size, pickle.Config{MaxPickles: 2, MaxOps: 64, MaxLine: 4096}, nil)
	if len(res.Values) >= 1 && isMagic(res.Values[0]) {
		return true
	}
	if len(res.Values) >= 2 {
		if n, ok := pickle.IntValue(res.Values[1]); ok && n == legacyProtocol {
			return true
		}
	}
	return false
}

func isMagic(v pickle.Value) bool {
	switch x := v.(type) {
	case *pickle.BigInt:
		return x.V.Cmp(LegacyMagic) == 0
	}
	return false
}

// Scan implements core.Handler.
func (h *LegacyHandler) Scan(s *core.Session, b *core.Blob) error {
	s.MarkScanned(b)
	res, err := picklefmt.ScanStream(h.Pol, s, b, picklefmt.Options{Scanner: picklefmt.ScannerTorch, Torch: true, MaxPickles: legacyPickles})
	if len(res.Values) > 0 && !isMagic(res.Values[0]) {
		s.Add(b, core.Finding{Rule: rules.TorchLegacyMagic, Severity: core.High, Scanner: picklefmt.ScannerTorch,
			Description: "Legacy PyTorch magic number is not a literal integer",
			Module:      "torch.serialization", Operator: "MAGIC_NUMBER", Offset: 0,
			Evidence: "first pickle evaluates to " + pickle.Render(res.Values[0], 120)})
	}
	if err == nil && res.Pickles < legacyPickles {
		s.Fail(b, core.CatPickle, fmt.Errorf("legacy PyTorch file ends after %d of %d pickles", res.Pickles, legacyPickles))
	}
	return nil
}
