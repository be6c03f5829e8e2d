package templatefmt_test

import "github.com/modelscan-go/modelscan/internal/jinja"

func jinjaDepth(d int) jinja.Limits {
	l := jinja.DefaultLimits()
	l.MaxDepth = d
	return l
}
