#!/usr/bin/env bash
# Whole-build overhead of llminstr, measured in one run on this machine:
# examples/agent built plain and with -toolexec=llminstr, each from an empty
# build cache (clean), again with nothing changed (warm, median of 5), and
# after touching main.go (incremental, median of 5). The module cache is
# shared, so downloads are not counted.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
go build -o bin/llminstr ./cmd/llminstr
tool="$root/bin/llminstr"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/agent "$work/agent"
(cd "$work/agent" && go mod edit -replace=github.com/llminstr/llminstr/runtime="$root/runtime")

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure() { # name cache flags...
	local name=$1 cache=$2; shift 2
	local t0 t1
	t0=$(now); (cd "$work/agent" && GOCACHE="$cache" go build "$@" -o "$work/out" .); t1=$(now)
	local clean; clean=$(elapsed "$t0" "$t1")
	local warm=()
	for _ in 1 2 3 4 5; do
		t0=$(now); (cd "$work/agent" && GOCACHE="$cache" go build "$@" -o "$work/out" .); t1=$(now)
		warm+=("$(elapsed "$t0" "$t1")")
	done
	local incr=()
	for i in 1 2 3 4 5; do
		echo "// touch $i $RANDOM" >>"$work/agent/main.go"
		t0=$(now); (cd "$work/agent" && GOCACHE="$cache" go build "$@" -o "$work/out" .); t1=$(now)
		incr+=("$(elapsed "$t0" "$t1")")
	done
	printf "%-14s clean %7.2fs   warm %6.3fs   incremental %6.3fs\n" "$name" "$clean" \
		"$(printf '%s\n' "${warm[@]}" | median)" "$(printf '%s\n' "${incr[@]}" | median)"
}

echo "go: $(go version)   cores: $(nproc)"
measure plain "$work/cache-plain"
measure instrumented "$work/cache-instr" -toolexec="$tool"
