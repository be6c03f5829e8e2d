package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var (
	sarifOnce   sync.Once
	sarifSchema *jsonschema.Schema
	sarifErr    error
)

// checkSARIF validates data against the official SARIF 2.1.0 schema
// committed with the report package.
func checkSARIF(data []byte) error {
	sarifOnce.Do(func() {
		f, err := os.Open(filepath.Join("..", "report", "testdata", "sarif-schema-2.1.0.json"))
		if err != nil {
			sarifErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			sarifErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if sarifErr = c.AddResource("sarif-schema-2.1.0.json", doc); sarifErr == nil {
			sarifSchema, sarifErr = c.Compile("sarif-schema-2.1.0.json")
		}
	})
	if sarifErr != nil {
		return sarifErr
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return sarifSchema.Validate(inst)
}

func validateSARIF(t *testing.T, data []byte) {
	t.Helper()
	if err := checkSARIF(data); err != nil {
		t.Fatalf("invalid SARIF: %v", err)
	}
}
