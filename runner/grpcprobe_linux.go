//go:build linux && cgo

package runner

import (
	"context"
	"fmt"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// grpcHealth is the kubelet's gRPC prober (pkg/probe/grpc): one
// grpc.health.v1.Health/Check call for service over plaintext, SERVING is
// success, everything else fails with the kubelet's messages. It runs in the
// pause helper, inside the Pod's network namespace.
func grpcHealth(addr, service string, timeout time.Duration) (bool, string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// The kubelet dials with WithBlock: a refused connection is retried until
	// the timeout, which then fails the probe as a connect timeout. NewClient
	// is lazy, so connect first, the same way.
	var d net.Dialer
	var raw net.Conn
	for {
		var err error
		if raw, err = d.DialContext(ctx, "tcp", addr); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return false, fmt.Sprintf("timeout: failed to connect service %q within %v: %+v", addr, timeout, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	used := false
	conn, err := grpc.NewClient("passthrough:///"+addr,
		grpc.WithUserAgent("kube-probe/podlint"),
		grpc.WithTransportCredentials(insecure.NewCredentials()), // the kubelet supports no credentials
		grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
			if !used {
				used = true
				return raw, nil
			}
			return d.DialContext(ctx, "tcp", a)
		}))
	if err != nil {
		raw.Close()
		return false, fmt.Sprintf("error: failed to connect service at %q: %+v", addr, err)
	}
	defer conn.Close()
	resp, err := healthpb.NewHealthClient(conn).Check(metadata.NewOutgoingContext(ctx, metadata.MD{}),
		&healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		if st, ok := status.FromError(err); ok {
			switch st.Code() {
			case codes.Unimplemented:
				return false, fmt.Sprintf("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): %s", st.Message())
			case codes.DeadlineExceeded:
				return false, fmt.Sprintf("timeout: health rpc did not complete within %v", timeout)
			}
		}
		return false, fmt.Sprintf("error: health rpc probe failed: %+v", err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return false, fmt.Sprintf("service unhealthy (responded with %q)", resp.GetStatus().String())
	}
	return true, "service healthy"
}
