// Package clustertest tests podlint from a cluster user's side: a real etcd
// and kube-apiserver on 127.0.0.1 call `podlint webhook serve` for the objects
// the real kubectl applies, and `podlint audit` lists them back. Run it with
// `make cluster-test`, which provides the binaries.
package clustertest
