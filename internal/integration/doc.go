// Package integration holds the tests of the files that fit modelscan into
// other tools: the pre-commit hook (.pre-commit-hooks.yaml), the GitHub
// Action (action.yml), the container image (Dockerfile, .dockerignore) and
// `go install`. The tests build the real binary and run it the way each
// tool would.
//
// The only non-test code is a reader for the small subset of YAML those
// files are written in (block mappings and sequences, literal block
// scalars, plain and quoted scalars, flow sequences of scalars): the module
// has no YAML dependency, and anything outside the subset is an error, so
// the files cannot drift into YAML this reader would misread. Where
// /usr/bin/python3 has PyYAML the tests also check that it reads the files
// the same way.
package integration
