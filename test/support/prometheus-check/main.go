// Reads Prometheus text exposition from stdin with Prometheus' own parser (expfmt) and prints
// each family's name, type and sample count, or the parser's error with exit code 1.
package main

import (
	"fmt"
	"os"
	"sort"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func main() {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	names := make([]string, 0, len(families))
	for name := range families {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := families[name]
		fmt.Printf("%s %s %d\n", name, f.GetType(), len(f.GetMetric()))
	}
}
