// Command masx is the MASX news ETL and its CPU/GPU concurrency runtime in
// one binary. All behaviour lives in internal/cli; this file only hands off.
package main

import (
	"os"

	"github.com/masx-ai/masx/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
