// Package smtptest runs a real SMTP server for tests: Debian's aiosmtpd
// (python3-aiosmtpd, which .ci/run installs), storing what it receives in
// a maildir.
package smtptest

import (
	"fmt"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// python is the system python3, where Debian's modules load (not a pyenv
// one first on PATH).
const python = "/usr/bin/python3"

// Server is a running aiosmtpd on loopback, without TLS or AUTH.
type Server struct {
	Port int
	dir  string
	t    testing.TB
}

// Start runs a server until the test ends. Without aiosmtpd the test is
// skipped, or fails when PRESSFEED_REQUIRE_CLIENTS=1 (as in CI).
func Start(t testing.TB) *Server {
	t.Helper()
	if exec.Command(python, "-c", "import aiosmtpd").Run() != nil {
		if os.Getenv("PRESSFEED_REQUIRE_CLIENTS") == "1" {
			t.Fatal("aiosmtpd is missing and PRESSFEED_REQUIRE_CLIENTS=1; install it: apt-get install python3-aiosmtpd")
		}
		t.Skip("aiosmtpd is not installed (apt-get install python3-aiosmtpd)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &Server{Port: port, dir: filepath.Join(t.TempDir(), "mail"), t: t}
	cmd := exec.Command(python, "-m", "aiosmtpd", "-n", "-l", fmt.Sprintf("127.0.0.1:%d", port), "-c", "aiosmtpd.handlers.Mailbox", s.dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); ; {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatal("aiosmtpd did not start listening")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Inbox returns every message received so far, oldest first by Date.
func (s *Server) Inbox() []*mail.Message {
	s.t.Helper()
	var out []*mail.Message
	files, _ := filepath.Glob(filepath.Join(s.dir, "new", "*"))
	for _, f := range files {
		b, err := os.Open(f)
		if err != nil {
			s.t.Fatal(err)
		}
		m, err := mail.ReadMessage(b)
		if err != nil {
			s.t.Fatal(err)
		}
		out = append(out, m)
		b.Close()
	}
	// Maildir names do not sort by arrival; the Date header does.
	sort.SliceStable(out, func(i, j int) bool {
		di, _ := out[i].Header.Date()
		dj, _ := out[j].Header.Date()
		return di.Before(dj)
	})
	return out
}

// Wait returns the inbox once it holds at least n messages, or fails the
// test after 20 seconds.
func (s *Server) Wait(n int) []*mail.Message {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if got := s.Inbox(); len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%d messages arrived in 20 s, want %d", len(s.Inbox()), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
