// Command podlint makes Kubernetes Pod specs behave the way their authors think they do.
package main

import (
	"os"

	"github.com/podlint/podlint/cmd/podlint/app"
)

func main() { os.Exit(app.Main()) }
