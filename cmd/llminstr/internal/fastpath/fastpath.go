// Package fastpath hands the tool invocations that llminstr passes on
// unchanged (see package passthrough) to their tool from its init function,
// before the command's other packages are initialized.
//
// The go command starts llminstr for every tool invocation of a build, and
// most only exec the tool. Package initialization (go/types, the YAML
// parser, the templates and HTTP server of llminstr view, ...) is most of
// what a start of llminstr costs: about 8 ms of CPU of the 18 ms of a
// start, on a machine where a start of a program that only execs costs 6.
// The Go specification initializes packages in the order of their import
// paths, each as soon as the packages it imports are: this package imports
// only os, syscall and passthrough, so it is initialized before any
// package that needs fmt's dependents or sorts after it
// ("github.com/llminstr/llminstr/cmd/..."). TestToolStartupIsLight checks
// that an invocation passed on initializes none of the heavy packages.
//
// Only the command imports this package; where exec(2) is not available
// its init does nothing, and package toolexec runs the tool.
package fastpath
