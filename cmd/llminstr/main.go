// Command llminstr instruments the LLM SDK calls of a Go program at compile
// time, so that every call records OpenTelemetry GenAI spans:
//
//	go build -toolexec=llminstr ./...
//
// Run "llminstr help" for the commands and environment variables.
package main

import (
	"fmt"
	"os"

	"github.com/llminstr/llminstr/internal/toolexec"
	"github.com/llminstr/llminstr/rules"
)

const usage = `llminstr traces the LLM SDK calls of Go programs with OpenTelemetry,
by rewriting them at compile time.

Usage:

	go build -toolexec=llminstr [build flags] [packages]
	go test  -toolexec=llminstr [build flags] [packages]
	llminstr version
	llminstr help

The module being built must require the runtime module:

	go get github.com/llminstr/llminstr/runtime

Build-time environment:

	LLMINSTR_STRICT=1     fail the build when a call site cannot be instrumented
	                      or llminstr hits an internal error (default: warn and
	                      compile the original code)
	LLMINSTR_KEEP=dir     copy every rewritten and generated file to dir/<package>/

Run-time environment (read by the instrumented program when the application
sets up no OpenTelemetry providers of its own):

	OTEL_TRACES_EXPORTER          otlp, console or none (default: otlp when an
	                              OTLP endpoint is set, otherwise none)
	OTEL_EXPORTER_OTLP_ENDPOINT   OTLP/HTTP endpoint (and the other standard
	                              OTEL_EXPORTER_OTLP_* variables)
	OTEL_SERVICE_NAME             service.name of the resource
	OTEL_SDK_DISABLED=true        record nothing
`

func main() {
	args := os.Args[1:]
	if toolexec.IsToolInvocation(args) {
		os.Exit(toolexec.Run(args))
	}
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	switch args[0] {
	case "version":
		fmt.Printf("llminstr %s\nrules fingerprint %s\nbuild cache fingerprint %s\n",
			toolexec.Version(), rules.Fingerprint(rules.All()), toolexec.Fingerprint())
	case "help", "-h", "-help", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "llminstr: unknown command %q\nRun 'llminstr help' for usage.\n", args[0])
		os.Exit(2)
	}
}
