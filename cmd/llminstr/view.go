package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/llminstr/llminstr/internal/view"
)

// cmdView implements llminstr view: read traces from files (or stdin) and
// print them, write them as an HTML report, or receive them live.
func cmdView(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	fs := newFlagSet("view")
	listen := fs.String("listen", "", "receive OTLP/HTTP at this address and show the calls live in a browser (a port alone, :4318, is on loopback; 0.0.0.0:4318 is every interface)")
	out := fs.String("o", "", "write a self-contained HTML report to this file")
	color := fs.String("color", "auto", "colour the terminal output: auto, always or never")
	content := fs.Bool("content", true, "print captured messages under each call")
	if err := parseFlags(fs, args); err != nil {
		return 2, err
	}
	opts := view.TextOptions{Content: *content}
	switch *color {
	case "auto":
		opts.Color = isTerminal(stdout) && os.Getenv("NO_COLOR") == ""
	case "always":
		opts.Color = true
	case "never":
	default:
		return 2, &usageError{msg: fmt.Sprintf("llminstr view: -color=%q: want auto, always or never", *color)}
	}

	set := view.NewSet()
	files := fs.Args()
	if len(files) == 0 && *listen == "" {
		if f, ok := stdin.(*os.File); ok && isTerminal(f) {
			return 2, &usageError{msg: "llminstr view: no input: name OTLP files, pipe them to stdin, or -listen"}
		}
		files = []string{"-"}
	}
	for _, name := range files {
		spans, err := readSpans(name, stdin)
		if err != nil {
			return 1, err
		}
		set.Add(spans...)
	}

	if *listen != "" {
		return serveView(*listen, set, *out, opts, stdout, stderr)
	}
	traces := set.Traces()
	if *out != "" {
		if err := writeReport(*out, traces); err != nil {
			return 1, err
		}
		sum := view.Summarize(traces)
		fmt.Fprintf(stdout, "llminstr view: wrote %s (%s, %s)\n", *out, count(sum.Traces, "trace"), count(sum.Totals.Calls, "model call"))
		return 0, nil
	}
	if err := view.WriteTree(stdout, traces, opts); err != nil {
		return 1, err
	}
	if len(traces) > 0 {
		fmt.Fprintln(stdout)
	}
	return 0, view.WriteSummary(stdout, view.Summarize(traces), opts)
}

func readSpans(name string, stdin io.Reader) ([]*view.Span, error) {
	if name == "-" {
		spans, err := view.Read(stdin)
		if err != nil {
			return nil, fmt.Errorf("llminstr view: stdin: %w", err)
		}
		return spans, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("llminstr view: %w", err)
	}
	defer f.Close()
	spans, err := view.Read(f)
	if err != nil {
		return nil, fmt.Errorf("llminstr view: %s: %w", name, err)
	}
	return spans, nil
}

// writeReport writes the HTML report to path, through a temporary file so
// that a failure leaves no half-written report.
func writeReport(path string, traces []*view.Trace) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".llminstr-view-*.html")
	if err != nil {
		return fmt.Errorf("llminstr view: %w", err)
	}
	defer os.Remove(tmp.Name())
	title := "LLM calls · " + filepath.Base(path)
	if err := view.WriteHTML(tmp, title, traces, time.Now()); err != nil {
		tmp.Close()
		return fmt.Errorf("llminstr view: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("llminstr view: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("llminstr view: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("llminstr view: %w", err)
	}
	return nil
}

// serveView receives OTLP/HTTP at addr until interrupted, printing each
// request's new spans as a tree and serving the live page; with -o it
// writes the report of everything received when it stops.
func serveView(addr string, set *view.Set, out string, opts view.TextOptions, stdout, stderr io.Writer) (int, error) {
	// A port alone (":4318", "4318") listens on loopback only.
	if host, port, err := net.SplitHostPort(addr); err == nil && host == "" {
		addr = net.JoinHostPort("127.0.0.1", port)
	} else if err != nil && !strings.Contains(addr, ":") {
		addr = net.JoinHostPort("127.0.0.1", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return 1, fmt.Errorf("llminstr view: %w", err)
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(stderr, "llminstr view: warning: listening on %s, not only on loopback: other machines can send spans and read the page\n", ln.Addr())
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "llminstr view: receiving OTLP/HTTP at %s\n  run a program with OTEL_EXPORTER_OTLP_ENDPOINT=%s\n  open %s/ in a browser\n", url, url, url)
	rcv := &view.Receiver{Set: set, Title: "LLM calls · live", OnSpans: func(spans []*view.Span) {
		view.WriteTree(stdout, view.GroupTraces(spans), opts)
	}}
	srv := &http.Server{Handler: rcv, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		srv.Shutdown(shutdownCtx)
		cancel()
		err = nil
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return 1, fmt.Errorf("llminstr view: %w", err)
	}
	if out != "" {
		if err := writeReport(out, set.Traces()); err != nil {
			return 1, err
		}
		fmt.Fprintf(stdout, "llminstr view: wrote %s\n", out)
	}
	return 0, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
