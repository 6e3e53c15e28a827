// Package fastpath hands the tool invocations that llminstr passes on
// unchanged (see package passthrough) to their tool from its init function,
// before the command's other packages are initialized.
//
// The go command starts llminstr for every tool invocation of a build, and
// most only exec the tool. Package initialization (go/types, the YAML
// parser, the templates and HTTP server of llminstr view, ...) is most of
// what a start of llminstr costs: about 8 ms of CPU of the 18 ms of a
// start, on a machine where a start of a program that only execs costs 6.
// The Go specification initializes packages one at a time, each time the
// first, in import path order, of those whose imports are all initialized.
// This package imports only os, syscall and passthrough (which imports
// nothing): it is ready as soon as os is, and from then on it
// comes before every package not yet initialized whose path sorts after
// its own, and before those that import one. The heavy packages are among
// them (go/..., golang.org/x/..., go.yaml.in/..., net/..., html/...,
// text/..., and llminstr's own); in practice 21 packages of the standard
// library are initialized before it. TestToolStartupIsLight checks that
// an invocation passed on initializes none outside the standard library,
// nor go/types, net/http or html/template.
//
// Only the command imports this package; where exec(2) is not available
// its init does nothing, and package toolexec runs the tool.
package fastpath
