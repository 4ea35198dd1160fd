package runner

import (
	"bytes"
	"io"
	"os"

	v1 "k8s.io/api/core/v1"
)

// The kubelet's bounds on termination messages (pkg/kubelet/container):
// MaxContainerTerminationMessageLength, and for the fallback to logs
// MaxContainerTerminationMessageLogLines and ...LogLength.
const (
	maxTerminationMessage     = 4 * 1024
	maxTerminationLogLines    = 80
	maxTerminationLogLength   = 2 * 1024
	defaultTerminationMsgPath = "/dev/termination-log"
	// maxPodTerminationMessages is MaxPodTerminationMessageLogLength, the
	// kubelet's bound on all of a Pod's termination messages together.
	maxPodTerminationMessages = 12 * 1024
)

// capTerminationMessages applies the kubelet's per-Pod bound on termination
// messages, as its status manager's normalizeStatus does before every status
// update (pkg/kubelet/status/status_manager.go): the 12 KiB are split evenly
// between all of the Pod's containers, init containers included, whether or
// not they wrote anything, and each terminated state (current and last) keeps
// the first 12288/N bytes of its message. With three containers or fewer this
// never cuts, since each message is already at most 4096 bytes.
func capTerminationMessages(spec *v1.PodSpec, st *v1.PodStatus) {
	per := maxPodTerminationMessages
	if n := len(spec.Containers) + len(spec.InitContainers); n > 0 {
		per /= n
	}
	cut := func(s *v1.ContainerState) {
		if t := s.Terminated; t != nil && len(t.Message) > per {
			// A copy: the state is shared with the worker's own records.
			short := *t
			short.Message = t.Message[:per]
			s.Terminated = &short
		}
	}
	for _, list := range [][]v1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses} {
		for i := range list {
			cut(&list[i].State)
			cut(&list[i].LastTerminationState)
		}
	}
}

// terminationMessagePath is where the container writes its termination
// message: the API server defaults an empty path to /dev/termination-log,
// and podlint reads Pods that never went through defaulting.
func terminationMessagePath(c *v1.Container) string {
	if c.TerminationMessagePath != "" {
		return c.TerminationMessagePath
	}
	return defaultTerminationMsgPath
}

// terminationMessage is the message the kubelet puts in a terminated
// container's status (kuberuntime's getTerminationMessage): the last 4096
// bytes of the file the container wrote at its terminationMessagePath (termFile
// on the host); with policy FallbackToLogsOnError, when that file is empty and
// the container failed, the tail of this run's output instead (logFile from
// offset logStart): its last 80 lines, at most the last 2048 bytes of them.
func terminationMessage(c *v1.Container, exitCode int, termFile, logFile string, logStart int64) string {
	fallback := c.TerminationMessagePolicy == v1.TerminationMessageFallbackToLogsOnError && exitCode != 0
	data, err := readLast(termFile, 0, maxTerminationMessage)
	if err != nil && !os.IsNotExist(err) {
		return "Error on reading termination log " + termFile + ": " + err.Error()
	}
	if len(data) > 0 || !fallback {
		return string(data)
	}
	logs, err := readLast(logFile, logStart, maxTerminationLogLength)
	if err != nil {
		if os.IsNotExist(err) {
			return ""
		}
		return "Error on reading termination message from logs: " + err.Error()
	}
	return string(lastLines(logs, maxTerminationLogLines))
}

// readLast returns at most max bytes from the end of path, not reading before
// offset from.
func readLast(path string, from, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	start := max64(from, fi.Size()-max)
	if start >= fi.Size() {
		return nil, nil
	}
	buf := make([]byte, fi.Size()-start)
	n, err := f.ReadAt(buf, start)
	if err != nil && err != io.EOF {
		return nil, err
	}
	return buf[:n], nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// lastLines returns the last n lines of b; a final line without a newline
// counts as a line, as it does for tail.
func lastLines(b []byte, n int) []byte {
	end := len(b)
	if end > 0 && b[end-1] == '\n' {
		end--
	}
	for i := 0; i < n; i++ {
		j := bytes.LastIndexByte(b[:end], '\n')
		if j < 0 {
			return b
		}
		if i == n-1 {
			return b[j+1:]
		}
		end = j
	}
	return b
}
