// Command variants prints, one per line, each adapter variant that build
// tags select, as "directory tags" (tags comma-separated), from the
// integrations' rules.yaml: the Makefile vets each of them.
package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/llminstr/llminstr/rules"
)

func main() {
	var lines []string
	for dir, variants := range rules.Variants() {
		for _, tags := range variants {
			if len(tags) > 0 {
				lines = append(lines, dir+" "+strings.Join(tags, ","))
			}
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
}
