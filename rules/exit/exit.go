// Package exit holds the adapter that flushes the runtime's telemetry before
// a program ends: at the return of main, at os.Exit and at log.Fatal.
//
// Like every adapter file it is injected into the host package, so every
// top-level name starts with "llminstr" and every import is named.
package exit

import (
	llminstrFmt "fmt"
	llminstrLog "log"
	llminstrOS "os"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
)

// llminstrExit wraps os.Exit: it flushes spans, then exits.
func llminstrExit(exit func(int), code int) { llminstrRT.Exit(exit, code) }

// llminstrMainShutdown is deferred at the top of main.main.
func llminstrMainShutdown() { llminstrRT.Shutdown() }

// llminstrLogFatal wraps log.Fatal. It logs first, exactly as log.Fatal
// would (the caller's file:line under Lshortfile, since the call depth
// counts this function), so the message is not held back by the flush;
// then it flushes spans and exits with status 1.
func llminstrLogFatal(_ func(...any), v ...any) {
	llminstrLog.Output(2, llminstrFmt.Sprint(v...))
	llminstrRT.Shutdown()
	llminstrOS.Exit(1)
}

// llminstrLogFatalln wraps log.Fatalln.
func llminstrLogFatalln(_ func(...any), v ...any) {
	llminstrLog.Output(2, llminstrFmt.Sprintln(v...))
	llminstrRT.Shutdown()
	llminstrOS.Exit(1)
}

// llminstrLogFatalf wraps log.Fatalf.
func llminstrLogFatalf(_ func(string, ...any), format string, v ...any) {
	llminstrLog.Output(2, llminstrFmt.Sprintf(format, v...))
	llminstrRT.Shutdown()
	llminstrOS.Exit(1)
}
