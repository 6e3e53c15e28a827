// Command llminstr instruments the LLM SDK calls of a Go program at compile
// time, so that every call records OpenTelemetry GenAI spans:
//
//	go build -toolexec=llminstr ./...
//
// Run "llminstr help" for the commands and environment variables.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	// Its init execs the invocations llminstr passes on, before the other
	// packages are initialized.
	_ "github.com/llminstr/llminstr/cmd/llminstr/internal/fastpath"
	"github.com/llminstr/llminstr/internal/toolexec"
	"github.com/llminstr/llminstr/rules"
)

// usage is the help text. It is made only when it is printed: loading the
// rules at start-up would cost every tool invocation of a build, most of
// which only exec the tool.
func usage() string {
	return fmt.Sprintf(usageFormat, strings.Join(rules.Integrations(rules.All()), ", "))
}

const usageFormat = `llminstr traces the LLM SDK calls of Go programs with OpenTelemetry,
by rewriting them at compile time.

Usage:

	go build -toolexec=llminstr [build flags] [packages]
	go test  -toolexec=llminstr [build flags] [packages]
	llminstr diff [-tags t] [-exit-code] [packages]
	llminstr report [-tags t] [-json] [-strict] [packages]
	llminstr init [-version v]
	llminstr view [-o report.html] [-listen addr] [files]
	llminstr version
	llminstr help

Commands:

	diff     print, as a unified diff, what a build with -toolexec=llminstr
	         would compile instead of the packages' sources (default ./...).
	         Builds nothing, writes nothing. -exit-code: exit 1 on any rewrite.
	report   list every call of a known SDK method: file:line, rule, provider,
	         operation and status (rewritten, skipped with the reason, or
	         ignored by a //llminstr:ignore comment on the line or on the
	         enclosing function). -json: stable JSON. -strict: exit 1 when
	         any call site is skipped.
	init     add the runtime module to the current module (go get) and a
	         tools file that keeps it there; idempotent.
	view     show the LLM calls of instrumented programs: read OTLP files
	         (LLMINSTR_TRACE_FILE's JSON lines, the Collector's file
	         exporter's JSON or protobuf; stdin when none is named) and print
	         each trace as a tree with a summary by model; -o: write a
	         self-contained HTML report instead; -listen 127.0.0.1:4318:
	         receive OTLP/HTTP exports and show them live in a browser.
	version  print the version, the rules fingerprint and the build cache
	         fingerprint.

The module being built must require the runtime module:

	go get github.com/llminstr/llminstr/runtime

Build-time environment:

	LLMINSTR_STRICT=1     fail the build when a call site cannot be instrumented
	                      or llminstr hits an internal error (default: warn and
	                      compile the original code)
	LLMINSTR_KEEP=dir     copy every rewritten and generated file to dir/<package>/
	LLMINSTR_REPORT=file  append the report's records (JSON Lines) of every
	                      package compiled
	LLMINSTR_DISABLE=a,b  integrations to leave alone (also: "disable: [a, b]"
	                      in llminstr.yaml at the module root); known:
	                      %s
	LLMINSTR_DEBUG=1      explain why packages are not instrumented

Run-time environment (read by the instrumented program when the application
sets up no OpenTelemetry providers of its own):

	OTEL_TRACES_EXPORTER          otlp, console or none (default: otlp when an
	                              OTLP endpoint is set, otherwise none); also
	                              OTEL_METRICS_EXPORTER
	OTEL_EXPORTER_OTLP_ENDPOINT   OTLP endpoint (and the other standard
	                              OTEL_EXPORTER_OTLP_* variables)
	OTEL_EXPORTER_OTLP_PROTOCOL   http/protobuf (default) or grpc
	OTEL_SERVICE_NAME             service.name of the resource
	LLMINSTR_TRACE_FILE=file      also append spans and metrics to file, as
	                              OTLP/JSON lines (for llminstr view)
	OTEL_SDK_DISABLED=true        record nothing
	OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental
	                              the newest GenAI metric names

	OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT
	                              record prompts and completions: true or
	                              SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT
	                              (default: false, NO_CONTENT)
	LLMINSTR_REDACT               more regular expressions to redact, one per line
	LLMINSTR_MAX_CONTENT_BYTES    bound of each content value (default 65536)
	LLMINSTR_PRICES=file.json     model prices for llminstr.cost.usd
`

func main() {
	args := os.Args[1:]
	if toolexec.IsToolInvocation(args) {
		os.Exit(toolexec.Run(args))
	}
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage())
		os.Exit(2)
	}
	var (
		code int
		err  error
	)
	switch args[0] {
	case "diff":
		code, err = cmdDiff(args[1:], os.Stdout)
	case "report":
		code, err = cmdReport(args[1:], os.Stdout)
	case "init":
		code, err = cmdInit(args[1:], os.Stdout)
	case "view":
		code, err = cmdView(args[1:], os.Stdin, os.Stdout, os.Stderr)
	case "version":
		fmt.Printf("llminstr %s\nrules fingerprint %s\nbuild cache fingerprint %s\n",
			toolexec.Version(), rules.Fingerprint(), toolexec.Fingerprint())
	case "help", "-h", "-help", "--help":
		fmt.Print(usage())
	default:
		code, err = 2, &usageError{msg: fmt.Sprintf("llminstr: unknown command %q", args[0])}
	}
	if errors.Is(err, flag.ErrHelp) {
		fmt.Print(usage())
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, "Run 'llminstr help' for usage.")
		}
	}
	os.Exit(code)
}
