#!/usr/bin/env bash
# A real application or library, instrumented as a user would: its module
# is copied from the module cache, `llminstr init` adds the runtime
# (replaced by this checkout's), and its packages are built plain and with
# -toolexec=llminstr, in the same run. It prints what init changed in
# go.mod, every call site the build found (LLMINSTR_REPORT) with its status,
# the build times and, for a main package, the binary sizes.
#
#   scripts/survey.sh module@version [packages]      # default ./...
#   make survey SURVEY="github.com/mozilla-ai/any-llm-go@v0.8.0 ./examples/basic"
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
CGO_ENABLED=0 go build -o bin/llminstr ./cmd/llminstr
tool="$root/bin/llminstr"
mv=$1
shift
pkgs=("${@:-./...}")
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; [ -n "${SURVEY_KEEP:-}" ] || rm -rf "$work"' EXIT
dir=$(go mod download -json "$mv" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
src="$work/src"
cp -r "$dir" "$src"
chmod -R u+w "$src"
cd "$src"
go mod edit -replace=github.com/llminstr/llminstr/runtime="$root/runtime"
echo "== llminstr init ($mv)"
"$tool" init -version v0.0.0-00010101000000-000000000000 | sed 's/^/   /'

now() { date +%s.%N; }
elapsed() { echo "$1 $2" | awk '{printf "%.1f s", $2 - $1}'; }
main=$(go list -f '{{if eq .Name "main"}}{{.ImportPath}}{{end}}' "${pkgs[@]}" 2>/dev/null | head -1)

t0=$(now)
go build "${pkgs[@]}"
t1=$(now)
LLMINSTR_REPORT="$work/report.jsonl" go build -toolexec="$tool" "${pkgs[@]}" 2>&1 | sed 's/^/   build: /'
t2=$(now)
echo "== builds: plain $(elapsed "$t0" "$t1"), instrumented $(elapsed "$t1" "$t2") (the plain build warms the module cache)"

echo "== call sites the instrumented build found"
if [ -s "$work/report.jsonl" ]; then
	python3 - "$work/report.jsonl" "$src/" <<'PY'
import collections, json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
seen, rows = set(), []
for r in recs:
    key = (r["file"], r["line"], r["column"], r["rule"])
    if key not in seen:
        seen.add(key)
        rows.append(r)
counts = collections.Counter(r["status"] for r in rows)
for r in sorted(rows, key=lambda r: (r["file"], r["line"])):
    reason = " (" + r["reason"] + ")" if r.get("reason") else ""
    print("   %s:%d  %s  %s%s" % (r["file"].replace(sys.argv[2], ""), r["line"], r["rule"], r["status"], reason))
print("   %d call sites: %d rewritten, %d skipped, %d ignored" % (len(rows), counts["rewritten"], counts["skipped"], counts["ignored"]))
PY
else
	echo "   none"
fi

if [ -n "$main" ]; then
	go build -o "$work/plain" "$main"
	go build -toolexec="$tool" -o "$work/instrumented" "$main"
	echo "== $main: $(stat -c %s "$work/plain") bytes plain, $(stat -c %s "$work/instrumented") instrumented"
	echo "== modules go version -m lists: $(go version -m "$work/plain" | grep -c $'\tdep\t') plain, $(go version -m "$work/instrumented" | grep -c $'\tdep\t') instrumented"
fi
