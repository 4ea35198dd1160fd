// Command grpchealth is a gRPC health server for the runner's gRPC probe
// tests, built statically at test time and run in a test image: it serves
// grpc.health.v1.Health on -addr, reports the overall service ("") SERVING
// once -serving-after has passed (NOT_SERVING before), and each -status
// name=STATUS as given.
package main

import (
	"flag"
	"log"
	"net"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

type statuses []string

func (s *statuses) String() string     { return strings.Join(*s, ",") }
func (s *statuses) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	addr := flag.String("addr", ":50051", "listen address")
	after := flag.Duration("serving-after", 0, "report the overall service SERVING after this long")
	var named statuses
	flag.Var(&named, "status", "name=SERVING|NOT_SERVING for a named service (repeatable)")
	flag.Parse()
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	for _, n := range named {
		name, st, _ := strings.Cut(n, "=")
		hs.SetServingStatus(name, healthpb.HealthCheckResponse_ServingStatus(healthpb.HealthCheckResponse_ServingStatus_value[st]))
	}
	time.AfterFunc(*after, func() { hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING) })
	srv := grpc.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	log.Printf("serving on %s", lis.Addr())
	log.Fatal(srv.Serve(lis))
}
