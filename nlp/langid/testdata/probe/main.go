// Command probe measures what one language detector costs a program: it
// is built once per candidate (build tags probe_masx, probe_whatlanggo,
// probe_lingua; none for the baseline), detects every text of the JSONL
// files given as arguments, and prints the process's peak RSS (VmHWM) and
// how many answers matched the labels. TestCompareFootprint (build tag
// langid_compare) builds and runs it.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// detect is set by the candidate's file; nil in the baseline build.
var detect func(string) string

func main() {
	var texts, labels []string
	for _, path := range os.Args[1:] {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var s struct{ Lang, Text string }
			if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
				fmt.Fprintln(os.Stderr, path, err)
				os.Exit(1)
			}
			texts, labels = append(texts, s.Text), append(labels, s.Lang)
		}
		f.Close()
	}
	ok := 0
	if detect != nil {
		for i, t := range texts {
			if detect(t) == labels[i] {
				ok++
			}
		}
	}
	fmt.Printf("texts %d correct %d vmhwm_kb %d\n", len(texts), ok, vmHWM())
}

// vmHWM reads the peak resident set size, in KiB, from /proc/self/status.
func vmHWM() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb
		}
	}
	return -1
}
