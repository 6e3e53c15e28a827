// Package filelock takes exclusive advisory locks on files, so that the many
// processes of one build can share a file safely.
package filelock
