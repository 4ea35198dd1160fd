#!/usr/bin/env bash
# bench-run.sh: how fast `podlint run` brings up a Pod (infra + two init
# containers running `true` + one app container running `true`) to Running and
# to Succeeded, median of BENCH_RUNS (10) runs, and, when podman is installed,
# the same Pod through `podman kube play` side by side (machines are shared
# and noisy: only numbers measured in the same run compare).
#
#   scripts/bench-run.sh                 # as root: builds podlint, runs as podlint-ci
#   BENCH_RUNS=20 scripts/bench-run.sh
#
# Both runtimes are rootless, so as root the script re-runs itself as the
# unprivileged user podlint-ci (scripts/runner-tests.sh creates it). Debian's
# podman works rootless here only with runc, the overlay driver and
# --network none (/work/shared/runner-notes.md); its busybox image is imported
# from the host's busybox-static, so nothing is pulled.
#
# What is measured, from the wall clock just before the command starts:
#   podlint  first      the first status in the JSON history (Pending: after
#                       the lint, the image lookup and the process start)
#            Running    the first status in the JSON history with phase Running
#            Succeeded  the first status with phase Succeeded
#            exit       the command's return (after deletion and teardown)
#   podman   Running    `podman kube play` returned (it runs the init
#                       containers and starts the app container before returning)
#            Succeeded  `podman wait` on the app container returned
#            exit       `podman kube down` returned too
set -euo pipefail

cd "$(dirname "$0")/.."
runs=${BENCH_RUNS:-10}
ci_user=${PODLINT_CI_USER:-podlint-ci}
shared=${PODLINT_CI_DIR:-/var/tmp/podlint-ci}

if [ "$(id -u)" = 0 ]; then
	id "$ci_user" >/dev/null 2>&1 || { echo "bench-run: no user $ci_user: run scripts/runner-tests.sh once as root" >&2; exit 2; }
	work=$shared/bench
	mkdir -p "$work"
	go build -o "$work/podlint" ./cmd/podlint
	cp "$0" "$work/bench-run.sh"
	chmod 755 "$work" "$work/podlint" "$work/bench-run.sh"
	chown -R "$ci_user" "$work"
	exec runuser -u "$ci_user" -- env HOME="$shared/home" TMPDIR="$shared/tmp" XDG_RUNTIME_DIR= \
		PODLINT_BIN="$work/podlint" BENCH_RUNS="$runs" BENCH_WORK="$work" "$work/bench-run.sh"
fi

work=${BENCH_WORK:-$PWD/.bench/run}
mkdir -p "$work"
podlint=${PODLINT_BIN:-}
if [ -z "$podlint" ]; then
	go build -o "$work/podlint" ./cmd/podlint
	podlint=$work/podlint
fi

pod_yaml() { # $1: image
	cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: bench}
spec:
  restartPolicy: Never
  initContainers:
  - {name: init-1, image: $1, command: ["true"]}
  - {name: init-2, image: $1, command: ["true"]}
  containers:
  - {name: app, image: $1, command: ["true"]}
EOF
}

now() { date +%s%N; }
# median of the numbers on stdin, in ms with one decimal, from nanoseconds
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "n/a"; exit} m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1e6}'; }
# RFC 3339 with nanoseconds to Unix nanoseconds
to_ns() { python3 -c 'import sys,datetime
s=sys.argv[1]; base,frac=s.rstrip("Z").split(".")
t=datetime.datetime.strptime(base,"%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
print(int(t.timestamp())*10**9+int(frac.ljust(9,"0")[:9]))' "$1"; }

pod_yaml busybox >"$work/pod.yaml"
cmd=("$podlint" run --format json "$work/pod.yaml")
echo "podlint: ${cmd[*]}   (x$runs; $(nproc) cores, $(uname -r))"
: >"$work/podlint.first"; : >"$work/podlint.running"; : >"$work/podlint.succeeded"; : >"$work/podlint.exit"
# podlint lints the Pod first and prints its findings (bare-pod) on stderr.
"${cmd[@]}" >/dev/null 2>"$work/podlint.stderr" # warm-up: the busybox image is unpacked on first use
for _ in $(seq "$runs"); do
	t0=$(now)
	"${cmd[@]}" >"$work/out.json" 2>"$work/podlint.stderr"
	t1=$(now)
	f=$(jq -r '.history[0].time // empty' "$work/out.json")
	[ -n "$f" ] && echo $(($(to_ns "$f") - t0)) >>"$work/podlint.first"
	r=$(jq -r '[.history[] | select(.status.phase=="Running")][0].time // empty' "$work/out.json")
	s=$(jq -r '[.history[] | select(.status.phase=="Succeeded")][0].time // empty' "$work/out.json")
	[ -n "$r" ] && echo $(($(to_ns "$r") - t0)) >>"$work/podlint.running"
	[ -n "$s" ] && echo $(($(to_ns "$s") - t0)) >>"$work/podlint.succeeded"
	echo $((t1 - t0)) >>"$work/podlint.exit"
done
printf '  podlint  to first status (Pending) %s ms\n' "$(median <"$work/podlint.first")"
printf '  podlint  to Running %s ms (%d of %d runs showed Running)  to Succeeded %s ms  to exit %s ms\n' \
	"$(median <"$work/podlint.running")" "$(wc -l <"$work/podlint.running")" "$runs" \
	"$(median <"$work/podlint.succeeded")" "$(median <"$work/podlint.exit")"

if ! command -v podman >/dev/null 2>&1; then
	echo "podman: not installed (apt-get install -y podman runc): no side-by-side numbers"
	exit 0
fi
# kube play, unlike podman run, gives a container no default PATH: the image must.
image_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
pm=(podman --runtime runc --storage-driver overlay --cgroup-manager cgroupfs --events-backend file)
if ! "${pm[@]}" image exists localhost/busybox:bench 2>/dev/null; then
	rootfs=$(mktemp -d "$work/rootfs.XXXXXX")
	mkdir -p "$rootfs/bin"
	cp /bin/busybox "$rootfs/bin/busybox"
	# Relative links: --install -s would point them at this host path.
	for applet in $("$rootfs/bin/busybox" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
	done
	tar -C "$rootfs" -c . | "${pm[@]}" import --change 'CMD ["sh"]' --change "ENV PATH=$image_path" - localhost/busybox:bench >/dev/null
	rm -rf "$rootfs"
fi
pod_yaml localhost/busybox:bench >"$work/pod-podman.yaml"
play=("${pm[@]}" kube play --network none "$work/pod-podman.yaml")
echo "podman:  ${play[*]}; ${pm[*]} wait bench-app; ${pm[*]} kube down $work/pod-podman.yaml   (x$runs, $(podman --version))"
"${pm[@]}" pod rm -f bench >/dev/null 2>&1 || true
"${play[@]}" >/dev/null 2>>"$work/podman.stderr" && "${pm[@]}" wait bench-app >/dev/null && "${pm[@]}" kube down "$work/pod-podman.yaml" >/dev/null # warm-up
: >"$work/podman.running"; : >"$work/podman.succeeded"; : >"$work/podman.exit"
for _ in $(seq "$runs"); do
	t0=$(now)
	# kube play removes finished init containers and logs a harmless error
	# for each (podman 4.3): keep it out of the report.
	"${play[@]}" >/dev/null 2>>"$work/podman.stderr"
	t1=$(now)
	"${pm[@]}" wait bench-app >/dev/null
	t2=$(now)
	"${pm[@]}" kube down "$work/pod-podman.yaml" >/dev/null
	t3=$(now)
	echo $((t1 - t0)) >>"$work/podman.running"
	echo $((t2 - t0)) >>"$work/podman.succeeded"
	echo $((t3 - t0)) >>"$work/podman.exit"
done
printf '  podman   to Running %s ms  to Succeeded %s ms  to exit %s ms\n' \
	"$(median <"$work/podman.running")" "$(median <"$work/podman.succeeded")" "$(median <"$work/podman.exit")"
