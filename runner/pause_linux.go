//go:build linux && cgo

package runner

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// pauseMain is the infra process, and, with arguments, the helper that runs
// network probes and hooks inside the Pod's network namespace (the host side
// cannot enter it: see runner-notes, a multithreaded process cannot setns into
// a user namespace).
func pauseMain(args []string) int {
	var tmpfs []string
	if len(args) > 0 && args[0] == tmpfsArg {
		tmpfs, args = args[1:], nil
	}
	if len(args) > 0 {
		return helperMain(args)
	}
	// Handlers first: as PID 1 of the Pod's PID namespace, signals without a
	// handler are ignored, and SIGCHLD must not be lost before the loop runs.
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGCHLD)
	if tmpfs != nil {
		makeTmpfs(tmpfs)
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case s := <-sigs:
			if s != unix.SIGCHLD {
				return 0
			}
		case <-tick.C:
		}
		reapAll()
	}
}

// reapAll collects every exited child, orphans re-parented to us included.
func reapAll() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

// helperMain runs one network action from inside the Pod: "http-get URL
// TIMEOUT" prints "status N" for an answer and "error TEXT" (exiting 1) for a
// transport error, which probes and hooks judge differently (handlers.go);
// "grpc-health ADDR SERVICE TIMEOUT" exits 0 when the gRPC health service
// answers SERVING.
func helperMain(args []string) int {
	if len(args) == 4 && args[0] == "grpc-health" {
		timeout, err := time.ParseDuration(args[3])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		ok, msg := grpcHealth(args[1], args[2], timeout)
		fmt.Fprintln(os.Stderr, msg)
		if ok {
			return 0
		}
		return 1
	}
	if len(args) != 3 || args[0] != "http-get" {
		fmt.Fprintf(os.Stderr, "pause: unknown helper %q\n", args)
		return 2
	}
	timeout, err := time.ParseDuration(args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, args[1], nil)
	if err != nil {
		fmt.Println("error " + err.Error())
		return 1
	}
	req.Header.Set("User-Agent", "kube-probe/podlint")
	// Redirects to other hosts are not followed by the kubelet either; a
	// plain client with no redirects keeps it simple.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println("error " + strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
	resp.Body.Close()
	fmt.Println("status " + strconv.Itoa(resp.StatusCode))
	return 0
}
