package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"gosv/semver"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	dropped := 0
	for sc.Scan() {
		p := strings.SplitN(sc.Text(), "\t", 2)
		if !semver.IsValid(p[0]) || !semver.IsValid(p[1]) {
			dropped++
			continue
		}
		c := semver.Compare(p[0], p[1])
		op := "="
		if c < 0 {
			op = "<"
		} else if c > 0 {
			op = ">"
		}
		fmt.Printf("%s\t%s\t%s\n", p[0], p[1], op)
	}
	fmt.Fprintln(os.Stderr, "dropped (not valid Go semver):", dropped)
}
