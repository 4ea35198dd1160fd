// Module clustertest runs podlint against a real control plane: etcd,
// kube-apiserver and kubectl as processes (make cluster-test builds them from
// .ci/tools/kube). It is a separate module so `go test ./...` in podlint does
// not start it; podlint never imports it.
module github.com/podlint/podlint/clustertest

go 1.26.8

require github.com/podlint/podlint v0.0.0

replace github.com/podlint/podlint => ../
