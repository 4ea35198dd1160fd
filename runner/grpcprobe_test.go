package runner

import (
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// grpcServer serves grpc-go's own health service (or none) on loopback.
func grpcServer(t *testing.T, withHealth bool) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	if withHealth {
		hs := health.NewServer() // "" is SERVING
		hs.SetServingStatus("db", healthpb.HealthCheckResponse_NOT_SERVING)
		hs.SetServingStatus("web", healthpb.HealthCheckResponse_SERVING)
		healthpb.RegisterHealthServer(srv, hs)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// TestGRPCHealthAgainstGRPCGo checks the prober's unary call against the
// reference implementation's health server, with the kubelet's result for
// each case of pkg/probe/grpc.
func TestGRPCHealthAgainstGRPCGo(t *testing.T) {
	healthy := grpcServer(t, true)
	bare := grpcServer(t, false)
	refused := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return addr
	}()
	silent, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never speaks
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	const timeout = 300 * time.Millisecond
	for _, tc := range []struct {
		name, addr, service, msg string
		ok                       bool
	}{
		{name: "overall serving", addr: healthy, ok: true, msg: "service healthy"},
		{name: "named serving", addr: healthy, service: "web", ok: true, msg: "service healthy"},
		{name: "not serving", addr: healthy, service: "db", msg: `service unhealthy (responded with "NOT_SERVING")`},
		{name: "unknown service", addr: healthy, service: "nope", msg: "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service"},
		{name: "no health service", addr: bare, msg: "error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health"},
		{name: "refused", addr: refused, msg: `timeout: failed to connect service "` + refused + `" within 300ms: context deadline exceeded`},
		{name: "silent", addr: silent.Addr().String(), msg: "timeout: health rpc did not complete within 300ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			begin := time.Now()
			ok, msg := grpcHealth(tc.addr, tc.service, timeout)
			if ok != tc.ok || msg != tc.msg {
				t.Errorf("grpcHealth = %v, %q; want %v, %q", ok, msg, tc.ok, tc.msg)
			}
			if d := time.Since(begin); d > timeout+time.Second {
				t.Errorf("took %v, past the timeout", d)
			}
		})
	}
}
