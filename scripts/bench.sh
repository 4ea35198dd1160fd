#!/usr/bin/env bash
# bench.sh: podlint's speed against kubeconform's, on the same generated corpus, in
# the same run (machines are shared and noisy, so only ratios between peers measured
# side by side mean anything).
#
#   make bench                       # or: scripts/bench.sh
#   BENCH_OBJECTS=5000 BENCH_RUNS=5 BENCH_STREAM_OBJECTS=20000 scripts/bench.sh
#   BENCH_ENFORCE=1 scripts/bench.sh # exit 1 when podlint is under 2x kubeconform
#
# Everything is built and generated offline under .bench/ (gitignored): podlint,
# kubeconform (pinned in .ci/tools/go.mod), standalone strict JSON Schemas for the
# kinds podlint checks (reflected from k8s.io/api by .ci/tools/kubeschema), and the
# corpora (bench/corpusgen, deterministic per seed).
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
objects=${BENCH_OBJECTS:-5000}
runs=${BENCH_RUNS:-5}
seed=${BENCH_SEED:-1}
stream_objects=${BENCH_STREAM_OBJECTS:-20000}
cores=$(nproc)
kc_workers=${KUBECONFORM_WORKERS:-$((cores > 4 ? cores : 4))} # kubeconform's default -n is 4
work=$root/.bench
mkdir -p "$work/bin" "$work/out"

log() { printf '%s\n' "$*" >&2; }

# GNU time gives user+sys CPU seconds and peak RSS (%M) per run.
if ! /usr/bin/time -f '%M' true >/dev/null 2>&1; then
	log "bench: installing GNU time (Debian package time)"
	apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
fi

log "bench: building podlint and kubeconform"
go build -o "$work/bin/podlint" ./cmd/podlint
(cd .ci/tools && go build -o "$work/bin/kubeconform" github.com/yannh/kubeconform/cmd/kubeconform)
kc_version=$(cd .ci/tools && go list -m -f '{{.Version}}' github.com/yannh/kubeconform)

log "bench: generating JSON Schemas from k8s.io/api"
rm -rf "$work/schemas"
(cd .ci/tools && go run ./kubeschema -o "$work/schemas")

# corpus N: prints the directory of an N-object corpus, generating it once per seed.
corpus() {
	local dir=$work/corpus-$1-seed$seed
	if [[ ! -f $dir.stats.json ]]; then
		log "bench: generating a corpus of $1 manifests"
		rm -rf "$dir" "$dir.tmp"
		go run ./bench/corpusgen -n "$1" -seed "$seed" -o "$dir.tmp" >"$work/stats.tmp"
		mv "$dir.tmp" "$dir"
		mv "$work/stats.tmp" "$dir.stats.json"
	fi
	printf '%s\n' "$dir"
}

# measure TOOL DIR OUT: runs one tool once over DIR under GNU time and appends
# "wall user sys maxrss_kb" to OUT.times. Exit 1 (findings) is expected; others fail.
measure() {
	local tool=$1 dir=$2 out=$3 rc=0
	local cmd
	case $tool in
	podlint) cmd=("$work/bin/podlint" check --format json "$dir") ;;
	kubeconform) cmd=("$work/bin/kubeconform" -strict -summary -output json -n "$kc_workers"
		-schema-location "$work/schemas" -skip Service,ConfigMap "$dir") ;;
	esac
	/usr/bin/time -f '%e %U %S %M' -o "$out.time" "${cmd[@]}" >"$out.stdout" 2>"$out.stderr" || rc=$?
	if ((rc > 1)); then
		log "bench: $tool exited $rc:"
		tail -5 "$out.stderr" >&2
		exit 1
	fi
	tail -1 "$out.time" >>"$out.times"
}

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# stats OUT: median wall, median cpu (user+sys), max peak RSS in MiB.
stats() {
	local f=$1.times
	printf '%s %s %s\n' \
		"$(awk '{print $1}' "$f" | median)" \
		"$(awk '{print $2+$3}' "$f" | median)" \
		"$(awk 'BEGIN{m=0} {if ($4>m) m=$4} END {printf "%.1f", m/1024}' "$f")"
}

dir=$(corpus "$objects")
read -r files workloads others mistakes < <(sed -E 's/.*"files":([0-9]+).*"workloads":([0-9]+),"others":([0-9]+),"mistakes":([0-9]+).*/\1 \2 \3 \4/' "$dir.stats.json")
rule_count=$("$work/bin/podlint" rules | tail -n +2 | grep -c .)

rm -f "$work"/out/*
log "bench: $runs runs of each tool over $objects manifests, alternating"
for ((i = 1; i <= runs; i++)); do
	if ((i % 2)); then order="podlint kubeconform"; else order="kubeconform podlint"; fi
	for tool in $order; do
		measure "$tool" "$dir" "$work/out/$tool"
	done
done

# Sanity: both tools saw the whole corpus.
pl_seen=$(sed -nE 's/.*"objects": *([0-9]+).*/\1/p' "$work/out/podlint.stdout" | tail -1)
pl_skipped=$(sed -nE 's/.*"skipped": *([0-9]+),.*/\1/p' "$work/out/podlint.stdout" | tail -1)
pl_findings=$(grep -c '"rule":' "$work/out/podlint.stdout" || true)
# Schema-level findings, the part of podlint's work kubeconform also does.
pl_schema=$(grep -cE '"rule": *"(unknown-field|duplicate-field|invalid-type|api-version)"' "$work/out/podlint.stdout" || true)
kc_summary=$(grep -oE '"(valid|invalid|errors|skipped)": *[0-9]+' "$work/out/kubeconform.stdout" | tr -d ' "' | tr '\n' ' ')

read -r pl_wall pl_cpu pl_rss < <(stats "$work/out/podlint")
read -r kc_wall kc_cpu kc_rss < <(stats "$work/out/kubeconform")

log "bench: streaming check: podlint over $stream_objects manifests"
big=$(corpus "$stream_objects")
for ((i = 1; i <= 2; i++)); do
	measure podlint "$big" "$work/out/podlint-big"
done
read -r big_wall big_cpu big_rss < <(stats "$work/out/podlint-big")

awk -v n="$objects" -v files="$files" -v workloads="$workloads" -v others="$others" -v mistakes="$mistakes" \
	-v runs="$runs" -v cores="$cores" -v kcn="$kc_workers" -v kcv="$kc_version" \
	-v plw="$pl_wall" -v plc="$pl_cpu" -v plr="$pl_rss" -v kcw="$kc_wall" -v kcc="$kc_cpu" -v kcr="$kc_rss" \
	-v bn="$stream_objects" -v bw="$big_wall" -v br="$big_rss" \
	-v rules="$rule_count" -v schema="$pl_schema" -v seen="$pl_seen" -v skipped="$pl_skipped" -v findings="$pl_findings" -v kcs="$kc_summary" -v enforce="${BENCH_ENFORCE:-0}" '
BEGIN {
	printf "corpus: %d manifests in %d files (%d workloads, %d Services/ConfigMaps, %d planted mistakes), %d cores, median of %d alternating runs\n", n, files, workloads, others, mistakes, cores, runs
	printf "podlint:     parses YAML with positions, decodes strictly into k8s.io/api types (unknown/duplicate fields, wrong types), checks apiVersions and runs its %d rules on the %d workloads; skips other kinds. Saw %d checked + %d skipped, %d findings (%d schema-level: unknown/duplicate field, type, apiVersion)\n", rules, workloads, seen, skipped, findings, schema
	printf "kubeconform: %s -strict -n %d: parses YAML (duplicate keys rejected), validates against standalone strict JSON Schemas reflected from k8s.io/api; -skip Service,ConfigMap. %s\n\n", kcv, kcn, kcs
	printf "%-12s %9s %14s %9s %16s %10s\n", "tool", "wall s", "manifests/s", "CPU s", "manifests/CPU-s", "peak MiB"
	printf "%-12s %9.2f %14.0f %9.2f %16.0f %10.1f\n", "podlint", plw, n/plw, plc, n/plc, plr
	printf "%-12s %9.2f %14.0f %9.2f %16.0f %10.1f\n", "kubeconform", kcw, n/kcw, kcc, n/kcc, kcr
	tw = kcw/plw; tc = kcc/plc
	printf "%-12s %9s %13.2fx %9s %15.2fx %9.2fx\n\n", "podlint/kc", "", tw, "", tc, plr/kcr
	printf "streaming: podlint peak RSS %.1f MiB over %d manifests vs %.1f MiB over %d (x%.2f for x%.0f the input; %.0f manifests/s)\n", plr, n, br, bn, br/plr, bn/n, bn/bw
	verdict = (tw >= 2 && tc >= 2) ? "meets" : "BELOW"
	printf "target: podlint >= 2x kubeconform throughput (wall and per CPU-second): %s (%.2fx wall, %.2fx per CPU-second; aim 5x)\n", verdict, tw, tc
	if (enforce == "1" && verdict == "BELOW") exit 1
}' | tee "$work/results.txt"

# The Pod Security evaluation's cost: the engine on one worker over the same corpus
# size, without it, as every run does it, and enforcing restricted everywhere
# (BENCH_PODSECURITY=0 skips it).
if [[ ${BENCH_PODSECURITY:-1} != 0 ]]; then
	log "bench: Pod Security evaluation, $objects manifests, one worker"
	PODLINT_BENCH_OBJECTS=$objects go test -run '^$' -bench '^BenchmarkPodSecurity$' -benchtime 3x ./bench |
		awk '/^BenchmarkPodSecurity\// {
			name = $1; sub(/^BenchmarkPodSecurity\//, "", name); sub(/-[0-9]+$/, "", name)
			for (i = 2; i < NF; i++) if ($(i+1) == "manifests/CPU-s") cpu[name] = $i
			order[++n] = name
		}
		END {
			printf "\npod security (one worker, manifests per CPU-second):\n"
			for (i = 1; i <= n; i++) printf "  %-26s %8.0f  (%.2fx of off)\n", order[i], cpu[order[i]], cpu[order[i]] / cpu["pod-security=off"]
		}' | tee -a "$work/results.txt"
fi
