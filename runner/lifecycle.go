package runner

import (
	"errors"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func msgOr(msg string, err error) string {
	if msg != "" {
		return fmt.Sprintf("%v, message: %q", err, msg)
	}
	return err.Error()
}

func lifecycleHandler(c *v1.Container, postStart bool) *v1.LifecycleHandler {
	if c.Lifecycle == nil {
		return nil
	}
	if postStart {
		return c.Lifecycle.PostStart
	}
	return c.Lifecycle.PreStop
}

// hookTimeout stands for no timeout: the kubelet's handler runner runs exec
// hooks with none (RunInContainer with timeout 0) and bounds preStop by the
// grace period instead, from the outside (killContainer).
const hookTimeout = 24 * time.Hour

// runHandler runs a hook handler in container run id (the kubelet's
// handlerRunner.Run, pkg/kubelet/lifecycle/handlers.go).
func (p *Pod) runHandler(c *ctr, id string, h *v1.LifecycleHandler) (string, error) {
	switch {
	case h.Exec != nil:
		code, out, err := p.rt.ExecSync(id, h.Exec.Command, hookTimeout)
		if err != nil {
			return out, err
		}
		if code != 0 {
			return out, fmt.Errorf("command '%v' exited with %d: %s", h.Exec.Command, code, out)
		}
		return out, nil
	case h.HTTPGet != nil:
		// The kubelet's handler runner never looks at the status: only a
		// transport error (err) fails an HTTP hook.
		_, _, err := p.rt.HTTPGet(p.httpURL(c, h.HTTPGet), hookTimeout)
		return "", err
	case h.Sleep != nil:
		p.w.sleep(time.Duration(h.Sleep.Seconds)*time.Second, nil)
		return "", nil
	default:
		return "", errors.New("invalid handler: tcpSocket and empty handlers are not supported by the kubelet")
	}
}

func (p *Pod) httpURL(c *ctr, g *v1.HTTPGetAction) string {
	scheme := "http"
	if g.Scheme == v1.URISchemeHTTPS {
		scheme = "https"
	}
	host := g.Host
	if host == "" {
		host = "127.0.0.1"
	}
	path := g.Path
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	return fmt.Sprintf("%s://%s:%d%s", scheme, host, resolvePort(c.spec, g.Port), path)
}

// resolvePort resolves a probe or hook port against the container's own
// ports, as the kubelet does; an unknown name gives -1.
func resolvePort(c *v1.Container, port intstr.IntOrString) int {
	if port.Type == intstr.Int {
		return port.IntValue()
	}
	for _, cp := range c.Ports {
		if cp.Name == port.StrVal {
			return int(cp.ContainerPort)
		}
	}
	return -1
}
