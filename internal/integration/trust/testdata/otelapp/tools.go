//go:build tools

package main

import _ "github.com/llminstr/llminstr/runtime"
