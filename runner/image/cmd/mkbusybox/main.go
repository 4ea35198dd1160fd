// Command mkbusybox writes the test image localhost/podlint/busybox:1.35
// built from Debian's busybox-static package:
//
//	go run ./runner/image/cmd/mkbusybox -o busybox.oci
//	go run ./runner/image/cmd/mkbusybox -format docker-archive -o busybox.tar
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/podlint/podlint/runner/image/testimage"
)

func main() {
	out := flag.String("o", "", "output: a directory for -format oci, a file otherwise")
	format := flag.String("format", "oci", "oci (layout directory), oci-archive or docker-archive")
	bin := flag.String("busybox", testimage.BusyboxPath, "static busybox binary")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: mkbusybox [-format oci|oci-archive|docker-archive] [-busybox PATH] -o OUT")
		os.Exit(2)
	}
	img, err := testimage.Busybox(*bin)
	if err == nil {
		err = testimage.WriteFile(*out, *format, img)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkbusybox:", err)
		os.Exit(1)
	}
}
