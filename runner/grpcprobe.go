package runner

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// grpcHealth is the kubelet's gRPC prober (pkg/probe/grpc): one
// grpc.health.v1.Health/Check call for service over plaintext; SERVING is
// success, everything else fails with the kubelet's messages. It runs in the
// pause helper, inside the Pod's network namespace.
//
// The call is made with net/http's unencrypted HTTP/2 rather than grpc-go:
// grpc-go links golang.org/x/net/trace and with it html/template, which made
// the podlint binary half again as large (65 MB to 98 MB) for one unary call.
// The tests check this client against grpc-go's own health server.
func grpcHealth(addr, service string, timeout time.Duration) (bool, string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// The kubelet dials with grpc.WithBlock: a refused connection is retried
	// until the timeout, which then fails the probe as a connect timeout.
	var d net.Dialer
	var conn net.Conn
	for {
		var err error
		if conn, err = d.DialContext(ctx, "tcp", addr); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return false, fmt.Sprintf("timeout: failed to connect service %q within %v: %+v", addr, timeout, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	status, err := healthCheck(ctx, conn, addr, service, timeout)
	if err != nil {
		var st *grpcStatus
		switch {
		case errors.As(err, &st) && st.code == grpcUnimplemented:
			return false, fmt.Sprintf("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): %s", st.msg)
		case errors.As(err, &st) && st.code == grpcDeadlineExceeded, ctx.Err() != nil:
			return false, fmt.Sprintf("timeout: health rpc did not complete within %v", timeout)
		}
		return false, fmt.Sprintf("error: health rpc probe failed: %+v", err)
	}
	if status != servingStatusServing {
		return false, fmt.Sprintf("service unhealthy (responded with %q)", servingStatusName(status))
	}
	return true, "service healthy"
}

// grpc.health.v1.HealthCheckResponse.ServingStatus values.
const servingStatusServing = 1

func servingStatusName(s uint64) string {
	switch s {
	case 0:
		return "UNKNOWN"
	case 1:
		return "SERVING"
	case 2:
		return "NOT_SERVING"
	case 3:
		return "SERVICE_UNKNOWN"
	}
	return strconv.FormatUint(s, 10)
}

// gRPC status codes (google.golang.org/grpc/codes) the prober tells apart or names.
const (
	grpcOK               = 0
	grpcDeadlineExceeded = 4
	grpcUnimplemented    = 12
)

var grpcCodeNames = [...]string{"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
	"AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange",
	"Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"}

// grpcStatus is a non-OK gRPC status, printed as grpc-go prints it.
type grpcStatus struct {
	code int
	msg  string
}

func (s *grpcStatus) Error() string {
	name := "Code(" + strconv.Itoa(s.code) + ")"
	if s.code >= 0 && s.code < len(grpcCodeNames) {
		name = grpcCodeNames[s.code]
	}
	return fmt.Sprintf("rpc error: code = %s desc = %s", name, s.msg)
}

// maxHealthResponse bounds what is read of a health response (a few bytes).
const maxHealthResponse = 64 << 10

// healthCheck makes the unary call over conn with HTTP/2 prior knowledge, as
// gRPC over plaintext does, and returns the response's status field.
func healthCheck(ctx context.Context, conn net.Conn, addr, service string, timeout time.Duration) (uint64, error) {
	var msg []byte
	if service != "" {
		msg = protowire.AppendTag(msg, 1, protowire.BytesType)
		msg = protowire.AppendString(msg, service)
	}
	body := make([]byte, 5, 5+len(msg))
	binary.BigEndian.PutUint32(body[1:], uint32(len(msg)))
	body = append(body, msg...)

	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	used := false
	tr := &http.Transport{
		Protocols: &protos,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			if used {
				return nil, errors.New("connection already used")
			}
			used = true
			return conn, nil
		},
	}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/grpc.health.v1.Health/Check", bytes.NewReader(body))
	if err != nil {
		conn.Close()
		return 0, err
	}
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	req.Header.Set("User-Agent", "kube-probe/podlint")
	req.Header.Set("grpc-timeout", strconv.FormatInt(max(timeout.Milliseconds(), 1), 10)+"m")
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, &grpcStatus{code: grpcDeadlineExceeded, msg: "context deadline exceeded"}
		}
		return 0, &grpcStatus{code: 14, msg: err.Error()} // Unavailable, as grpc-go reports transport failures
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, &grpcStatus{code: httpStatusCode(resp.StatusCode),
			msg: fmt.Sprintf("unexpected HTTP status code received from server: %d (%s)", resp.StatusCode, http.StatusText(resp.StatusCode))}
	}
	// A "Trailers-Only" response carries the status in its headers.
	if st := statusFrom(resp.Header); st != nil {
		return 0, st
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxHealthResponse))
	if err != nil {
		if ctx.Err() != nil {
			return 0, &grpcStatus{code: grpcDeadlineExceeded, msg: "context deadline exceeded"}
		}
		return 0, &grpcStatus{code: 13, msg: err.Error()} // Internal
	}
	if st := statusFrom(resp.Trailer); st != nil {
		return 0, st
	}
	if resp.Trailer.Get("grpc-status") == "" {
		return 0, &grpcStatus{code: 13, msg: "server closed the stream without sending trailers"}
	}
	if len(data) < 5 || data[0] != 0 || int(binary.BigEndian.Uint32(data[1:5])) != len(data)-5 {
		return 0, &grpcStatus{code: 13, msg: "malformed or compressed health response"}
	}
	return servingStatus(data[5:])
}

// statusFrom reads grpc-status and grpc-message; nil for a missing or OK status.
func statusFrom(h http.Header) *grpcStatus {
	v := h.Get("grpc-status")
	if v == "" {
		return nil
	}
	code, err := strconv.Atoi(v)
	if err != nil {
		return &grpcStatus{code: 2, msg: "malformed grpc-status " + strconv.Quote(v)}
	}
	if code == grpcOK {
		return nil
	}
	// grpc-message is percent-encoded (the gRPC HTTP/2 protocol).
	msg, err := url.PathUnescape(h.Get("grpc-message"))
	if err != nil {
		msg = h.Get("grpc-message")
	}
	return &grpcStatus{code: code, msg: msg}
}

// httpStatusCode is grpc-go's mapping of a non-200 HTTP status to a code.
func httpStatusCode(s int) int {
	switch s {
	case http.StatusBadRequest:
		return 13 // Internal
	case http.StatusUnauthorized:
		return 16 // Unauthenticated
	case http.StatusForbidden:
		return 7 // PermissionDenied
	case http.StatusNotFound:
		return grpcUnimplemented
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return 14 // Unavailable
	}
	return 2 // Unknown
}

// servingStatus decodes HealthCheckResponse's field 1 (status, an enum).
func servingStatus(b []byte) (uint64, error) {
	var status uint64
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, &grpcStatus{code: 13, msg: "malformed health response"}
		}
		b = b[n:]
		if num == 1 && typ == protowire.VarintType {
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return 0, &grpcStatus{code: 13, msg: "malformed health response"}
			}
			status, b = v, b[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return 0, &grpcStatus{code: 13, msg: "malformed health response"}
		}
		b = b[m:]
	}
	return status, nil
}
