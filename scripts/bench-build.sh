#!/usr/bin/env bash
# Whole-build overhead of llminstr, measured in one run on this machine.
#
#   scripts/bench-build.sh                          # examples/agent
#   scripts/bench-build.sh module@version package   # a real application
#
# Three ways of building the same program are compared: plain go build, a
# -toolexec wrapper that only runs the tool it is given (the floor of any
# -toolexec tool: the go command hashes the wrapper into every action), and
# -toolexec=llminstr. Each is timed
#   clean:       from an empty build cache, PAIRS times, the modes taking
#                turns, each round starting with another, so that the
#                machine's drift hits them alike (median);
#   cached:      again with nothing changed (REPS rounds, default 7);
#   incremental: after appending a comment to one file of the main package,
#                with a warm cache (REPS rounds); in both the modes take
#                turns, and a delta is the median of the rounds'
#                differences to their plain build;
#   side by side: the three clean builds started together, each with -p 1
#                (SIDES rounds, default 3), for the CPU time each takes
#                when the machine's load hits all three at once.
# The module cache is shared, so downloads are not counted. A clean
# build's ratio is the median of each round's ratio to that round's plain
# build: the machine's drift moves the builds of one round alike, and
# partly cancels in their ratio. Beside the wall time each clean build's
# CPU time (user and system, of the go command and all it started) is
# kept. On shared cores both move by a quarter from one build to the next,
# CPU time as much as wall time: the same work takes more CPU time when
# the host is busy. Builds started together are slowed alike, and their
# CPU times compare the work each does to within a few percent (side by
# side, below). It ends with the binary sizes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pairs=${PAIRS:-3}
reps=${REPS:-7}
sides=${SIDES:-3}
CGO_ENABLED=0 go build -o bin/llminstr ./cmd/llminstr
tool="$root/bin/llminstr"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

# The no-op wrapper.
mkdir -p "$work/noop"
cat >"$work/noop/main.go" <<'GO'
package main

import (
	"os"
	"os/exec"
)

func main() {
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if e, ok := err.(*exec.ExitError); ok {
			os.Exit(e.ExitCode())
		}
		os.Exit(1)
	}
}
GO
(cd "$work/noop" && go mod init noop >/dev/null 2>&1 && go build -o "$work/noopexec" .)

if [ $# -ge 1 ]; then
	mv=$1 pkg=${2:-.}
	dir=$(go mod download -json "$mv" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	cp -r "$dir" "$work/app"
	chmod -R u+w "$work/app"
	(cd "$work/app" && go mod edit -replace=github.com/llminstr/llminstr/runtime="$root/runtime" &&
		"$tool" init -version v0.0.0-00010101000000-000000000000 >/dev/null && go mod download)
	name=$mv
else
	cp -r examples/agent "$work/app"
	(cd "$work/app" && go mod edit -replace=github.com/llminstr/llminstr/runtime="$root/runtime" && go mod download)
	pkg=. name=examples/agent
fi
touchfile=$(cd "$work/app" && go list -f '{{.Dir}}/{{index .GoFiles 0}}' "$pkg")

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

modes=(plain noop llminstr)
flags() {
	case $1 in
	plain) ;;
	noop) echo "-toolexec=$work/noopexec" ;;
	llminstr) echo "-toolexec=$tool" ;;
	esac
}
# buildCPU prints a build's wall time, then the CPU seconds (user +
# system) of the go command and every process it waited for, as bash's
# times reports them.
buildCPU() { # mode cache [go build flag] -> "seconds cpu"
	local t0 t1 cpu
	t0=$(now)
	cpu=$(
		cd "$work/app" && GOCACHE="$2" go build $(flags "$1") ${3:-} -o "$work/out-$1" "$pkg" >&2 || exit 1
		times >"$work/times-$1" # not in a pipe: its subshell would have no children
		awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] }; printf "%.2f", n }' "$work/times-$1"
	) || return 1
	t1=$(now)
	echo "$(elapsed "$t0" "$t1") $cpu"
}
build() { # mode cache -> seconds
	local timed
	timed=$(buildCPU "$@") || return 1
	echo "${timed%% *}"
}

echo "go: $(go version)   cores: $(nproc)   program: $name $pkg"
declare -A clean cleanCPU incr cached round roundCPU ratios ratiosCPU
for i in $(seq "$pairs"); do
	# Each round starts with another mode, so that none is always first.
	for j in 0 1 2; do
		m=${modes[$(((i + j) % 3))]}
		rm -rf "$work/cache-$m"
		timed=$(buildCPU "$m" "$work/cache-$m")
		read -r wall cpu <<<"$timed"
		clean[$m]+="$wall " cleanCPU[$m]+="$cpu "
		round[$m]=$wall roundCPU[$m]=$cpu
	done
	for m in "${modes[@]}"; do
		ratios[$m]+="$(ratio "${round[$m]}" "${round[plain]}") "
		ratiosCPU[$m]+="$(ratio "${roundCPU[$m]}" "${roundCPU[plain]}") "
	done
done
# Cached builds (first: the three caches hold the same sources) and
# incremental builds take turns too, each round starting with another
# mode; a mode's delta is the median of its rounds' differences to
# that round's plain build.
rounds() { # seconds-array deltas-array touch(0|1)
	local -n seconds=$1 deltas=$2
	local i j m
	for i in $(seq "$reps"); do
		for j in 0 1 2; do
			m=${modes[$(((i + j) % 3))]}
			if [ "$3" = 1 ]; then echo "// touch $m $i $RANDOM" >>"$touchfile"; fi
			round[$m]=$(build "$m" "$work/cache-$m")
			seconds[$m]+="${round[$m]} "
		done
		for m in "${modes[@]}"; do deltas[$m]+="$(elapsed "${round[plain]}" "${round[$m]}") "; done
	done
}
declare -A incrDelta cachedDelta
rounds cached cachedDelta 0
rounds incr incrDelta 1

# Side by side: the three clean builds of a round start at the same
# moment, each with -p 1, so that what else the machine does slows them
# alike, and their CPU times compare the work each build does.
declare -A side sideRatios
for i in $(seq "$sides"); do
	pids=()
	for m in "${modes[@]}"; do
		rm -rf "$work/side-$m"
		buildCPU "$m" "$work/side-$m" -p=1 >"$work/side-$m.out" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	for m in "${modes[@]}"; do
		read -r wall cpu <"$work/side-$m.out"
		side[$m]+="$cpu " roundCPU[$m]=$cpu
	done
	for m in "${modes[@]}"; do
		sideRatios[$m]+="$(ratio "${roundCPU[$m]}" "${roundCPU[plain]}") "
	done
done

med() { tr ' ' '\n' <<<"$1" | grep . | median; }
printf "%-9s %9s %7s %9s %7s %12s %8s %8s %8s\n" mode clean ratio cleanCPU ratio incremental delta cached delta
for m in "${modes[@]}"; do
	c=$(med "${clean[$m]}") u=$(med "${cleanCPU[$m]}") n=$(med "${incr[$m]}") k=$(med "${cached[$m]}")
	printf "%-9s %8.2fs %6.3fx %8.1fs %6.3fx %11.3fs %+7.3fs %7.3fs %+7.3fs\n" "$m" "$c" "$(med "${ratios[$m]}")" \
		"$u" "$(med "${ratiosCPU[$m]}")" \
		"$n" "$(med "${incrDelta[$m]}")" "$k" "$(med "${cachedDelta[$m]}")"
done
echo "(clean: medians of $pairs rounds; a ratio is the median of the rounds' ratios to their plain build;"
echo " incremental and cached: medians of $reps rounds, a delta the median of the rounds' differences to their plain build)"
for m in noop llminstr; do
	echo "incremental $m: deltas ${incrDelta[$m]}s/ cached deltas ${cachedDelta[$m]}s"
done
for m in "${modes[@]}"; do
	echo "clean $m: wall ${clean[$m]}s/ CPU ${cleanCPU[$m]}s/ ratios ${ratios[$m]}/ CPU ratios ${ratiosCPU[$m]}"
done
if [ "$sides" -gt 0 ]; then
	printf "side by side (clean, -p 1, started together; medians of %d): CPU" "$sides"
	for m in "${modes[@]}"; do
		printf " %s %.1fs (%.3fx)" "$m" "$(med "${side[$m]}")" "$(med "${sideRatios[$m]}")"
	done
	echo
	for m in "${modes[@]}"; do echo "side by side $m: CPU ${side[$m]}s/ ratios ${sideRatios[$m]}"; done
fi
ps=$(stat -c %s "$work/out-plain") is=$(stat -c %s "$work/out-llminstr")
awk -v p="$ps" -v i="$is" 'BEGIN { printf "binary: plain %.1f MB, instrumented %.1f MB (%+.1f MB)\n", p/1e6, i/1e6, (i-p)/1e6 }'
