// Package exit holds the adapter that flushes the runtime's telemetry before
// a program ends: at the return of main and at os.Exit.
//
// Like every adapter file it is injected into the host package, so every
// top-level name starts with "llminstr" and every import is named.
package exit

import llminstrRT "github.com/llminstr/llminstr/runtime"

// llminstrExit wraps os.Exit: it flushes spans, then exits.
func llminstrExit(exit func(int), code int) { llminstrRT.Exit(exit, code) }

// llminstrMainShutdown is deferred at the top of main.main.
func llminstrMainShutdown() { llminstrRT.Shutdown() }

// llminstrLogFatal wraps log.Fatal and log.Fatalln: it flushes spans, then
// logs and exits.
func llminstrLogFatal(fatal func(...any), v ...any) {
	llminstrRT.Shutdown()
	fatal(v...)
}

// llminstrLogFatalf wraps log.Fatalf.
func llminstrLogFatalf(fatal func(string, ...any), format string, v ...any) {
	llminstrRT.Shutdown()
	fatal(format, v...)
}
