#!/usr/bin/env bash
# make demo: build the example agent with -toolexec=llminstr and run it
# against a local fake OpenAI server, printing its spans on stderr; then
# write the HTML report of its calls with llminstr view.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/bin"
mkdir -p "$bin"
CGO_ENABLED=0 go build -o "$bin/llminstr" ./cmd/llminstr
go build -o "$bin/fakeprovider" ./internal/fakeprovider/cmd/fakeprovider
echo "== building examples/agent with: go build -toolexec=$bin/llminstr"
(cd examples/agent && go build -toolexec="$bin/llminstr" -o "$bin/agent" .)

fifo=$(mktemp -u); mkfifo "$fifo"
"$bin/fakeprovider" >"$fifo" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$fifo"' EXIT
read -r url <"$fifo"
echo "== fake provider at $url"
calls="$bin/demo-calls.jsonl"
rm -f "$calls"
echo "== running the agent with OTEL_TRACES_EXPORTER=console OTEL_METRICS_EXPORTER=console OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true LLMINSTR_TRACE_FILE=$calls"
OPENAI_BASE_URL="$url" OTEL_TRACES_EXPORTER=console OTEL_METRICS_EXPORTER=console OTEL_SERVICE_NAME=agent \
	OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true LLMINSTR_TRACE_FILE="$calls" "$bin/agent"
echo "== llminstr view -o $bin/demo-report.html $calls"
"$bin/llminstr" view -o "$bin/demo-report.html" "$calls"
echo "open file://$bin/demo-report.html in a browser, or run: $bin/llminstr view $calls"
