#!/bin/sh
# Runs the runner's tests, which start real rootless sandboxes. Rootless means
# unprivileged: as root (CI) this script installs what the tests need, creates
# the user podlint-ci with a subordinate id range and runs the test binaries as
# that user; as any other user it just runs the tests.
#
# As root, `go test` compiles with root's caches and module cache (which the
# user cannot read) and `-exec` hands each test binary to this script, which
# copies it somewhere the user can read and runs it as podlint-ci.
set -eu

CI_USER=${PODLINT_CI_USER:-podlint-ci}
SHARED=${PODLINT_CI_DIR:-/var/tmp/podlint-ci}

if [ "${1:-}" = "--exec-as-user" ]; then
	shift
	bin=$1
	shift
	dir=$(mktemp -d "$SHARED/bin.XXXXXX")
	cp "$bin" "$dir/"
	chmod 755 "$dir" "$dir/$(basename "$bin")"
	rc=0
	# go test runs the binary in the package directory; keep it.
	runuser -u "$CI_USER" -- env HOME="$SHARED/home" TMPDIR="$SHARED/tmp" XDG_RUNTIME_DIR= \
		"$dir/$(basename "$bin")" "$@" || rc=$?
	rm -rf "$dir"
	exit $rc
fi

# The command-line package is tested by `go test ./...` too; only its
# `podlint run` tests need the unprivileged user.
if [ "$(id -u)" != 0 ]; then
	go test "$@" ./runner/...
	exec go test "$@" -run '^TestRun' ./cmd/podlint/app
fi

need=""
[ -x /bin/busybox ] || need="$need busybox-static"
command -v newuidmap >/dev/null 2>&1 || need="$need uidmap"
if [ -n "$need" ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need
fi
if ! id "$CI_USER" >/dev/null 2>&1; then
	useradd --system --create-home --home-dir "$SHARED/home" --shell /bin/sh "$CI_USER"
fi
grep -q "^$CI_USER:" /etc/subuid 2>/dev/null || echo "$CI_USER:200000:65536" >>/etc/subuid
grep -q "^$CI_USER:" /etc/subgid 2>/dev/null || echo "$CI_USER:200000:65536" >>/etc/subgid
mkdir -p "$SHARED/home" "$SHARED/tmp"
chmod 755 "$SHARED"
chown "$CI_USER" "$SHARED/home" "$SHARED/tmp"
# The gRPC probe tests put a static gRPC health server in a test image; the
# user cannot build it (root's module cache), so build it here.
build=$(mktemp -d "$SHARED/build.XXXXXX")
trap 'rm -rf "$build"' EXIT
chmod 755 "$build"
CGO_ENABLED=0 go build -o "$build/grpchealth" ./runner/testdata/grpchealth
export PODLINT_GRPC_HEALTH_SERVER="$build/grpchealth"
# The test binary runs in the package directory and reads testdata there.
exec_as_user="$(readlink -f "$0") --exec-as-user"
go test -exec "$exec_as_user" "$@" ./runner/...
go test -exec "$exec_as_user" "$@" -run '^TestRun' ./cmd/podlint/app
