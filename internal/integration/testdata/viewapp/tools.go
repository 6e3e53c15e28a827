//go:build tools

// This file keeps the llminstr runtime in go.mod and vendor/ although no
// source imports it: llminstr's rewritten code does, at build time.
package main

import _ "github.com/llminstr/llminstr/runtime"
