package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// peakArg makes the bench binary a tiny launcher: it runs the rest of its
// arguments and prints the child's peak RSS. Linux charges a child started
// straight from this (large) process with our own high-water RSS: Go spawns
// with vfork, and execve folds the shared address space's peak into the
// child's maxrss. A fresh small launcher has nothing to pass on.
const peakArg = "-peak-rss-of"

const peakPrefix = "bench-peak-rss-kb "

// runForPeak is the launcher's side; it returns the exit status.
func runForPeak(args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	err := cmd.Run()
	if cmd.ProcessState != nil {
		fmt.Printf("%s%d\n", peakPrefix, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// runMeasured runs name with args through the launcher and returns the
// child's own peak RSS in bytes.
func runMeasured(name string, args ...string) (int64, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(self, append([]string{peakArg, name}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%v %s", err, stderr.Bytes())
	}
	for line := range strings.Lines(stdout.String()) {
		if kb, ok := strings.CutPrefix(strings.TrimSpace(line), peakPrefix); ok {
			n, err := strconv.ParseInt(kb, 10, 64)
			return n << 10, err
		}
	}
	return 0, errors.New("launcher reported no peak RSS")
}
