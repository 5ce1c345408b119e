package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// proc is a `gatehouse serve` process started for one scenario. It runs
// apart from this program so that what an attack costs (descriptors,
// memory) is the server's alone and can be read from /proc, and under a
// descriptor limit of its own.
type proc struct {
	cmd    *exec.Cmd
	url    string
	addr   string
	logf   *os.File
	exited chan struct{}
}

// startProc runs bin serve on a free loopback port with the given
// descriptor limit (soft and hard: Go raises the soft one to the hard one).
func startProc(bin string, nofile int, extra []string, logPath string) *proc {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.Create(logPath)
	check(err)
	args := append([]string{"serve", "--in-memory", "--listen", addr, "--vpc-link-delay", "0"}, extra...)
	script := fmt.Sprintf(`ulimit -n %d && exec "$0" "$@"`, nofile)
	cmd := exec.Command("sh", append([]string{"-c", script, bin}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	check(cmd.Start())
	p := &proc{cmd: cmd, url: "http://" + addr, addr: addr, logf: logf, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(p.exited) }()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if ok, _ := mgmtCall(p.url, 2*time.Second); ok {
			return p
		}
		if time.Now().After(deadline) {
			log.Fatalf("gatehouse serve did not answer on %s; see %s", addr, logPath)
		}
	}
}

func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

func (p *proc) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
	p.logf.Close()
}

// logLines counts the lines the server has written so far.
func (p *proc) logLines() int {
	data, err := os.ReadFile(p.logf.Name())
	if err != nil {
		return -1
	}
	return strings.Count(string(data), "\n")
}

// sample is what the server holds at one moment; -1 is "could not tell".
type sample struct {
	fds, rssMiB, threads, goroutines int
}

func (p *proc) sample() sample {
	s := sample{fds: -1, rssMiB: -1, threads: -1, goroutines: -1}
	if !p.alive() {
		return s
	}
	pid := strconv.Itoa(p.cmd.Process.Pid)
	if ents, err := os.ReadDir("/proc/" + pid + "/fd"); err == nil {
		s.fds = len(ents)
	}
	if f, err := os.Open("/proc/" + pid + "/status"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), ":")
			n, _ := strconv.Atoi(strings.Fields(v + " 0")[0])
			switch k {
			case "VmRSS":
				s.rssMiB = n >> 10
			case "Threads":
				s.threads = n
			}
		}
		f.Close()
	}
	// The profiler answers only while the server accepts connections, and
	// only where it is turned on.
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	if resp, err := c.Get(p.url + "/_gatehouse/debug/pprof/goroutine?debug=1"); err == nil {
		line, _ := bufio.NewReader(resp.Body).ReadString('\n')
		resp.Body.Close()
		if n, ok := strings.CutPrefix(strings.TrimSpace(line), "goroutine profile: total "); ok && resp.StatusCode == 200 {
			s.goroutines, _ = strconv.Atoi(n)
		}
	}
	return s
}

// watch samples the server every interval until stopped, keeping the peak
// of each figure, and kills the server if its memory passes maxRSS MiB so
// that a runaway cannot take the machine.
type watch struct {
	mu     sync.Mutex
	peak   sample
	killed string
	stopc  chan struct{}
	done   chan struct{}
}

func (p *proc) watch(interval time.Duration, maxRSS int) *watch {
	w := &watch{peak: sample{-1, -1, -1, -1}, stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		start := time.Now()
		for {
			s := p.sample()
			w.mu.Lock()
			w.peak.fds = max(w.peak.fds, s.fds)
			w.peak.rssMiB = max(w.peak.rssMiB, s.rssMiB)
			w.peak.threads = max(w.peak.threads, s.threads)
			w.peak.goroutines = max(w.peak.goroutines, s.goroutines)
			if s.rssMiB > maxRSS && w.killed == "" {
				w.killed = fmt.Sprintf("killed at %.1fs: resident memory %d MiB over the %d MiB cap", time.Since(start).Seconds(), s.rssMiB, maxRSS)
				p.cmd.Process.Kill()
			}
			w.mu.Unlock()
			select {
			case <-w.stopc:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

func (w *watch) stop() (sample, string) {
	close(w.stopc)
	<-w.done
	return w.peak, w.killed
}

// mgmtCall lists HTTP APIs on a new connection, as a new client would.
func mgmtCall(url string, timeout time.Duration) (bool, time.Duration) {
	return probeGet(url+"/v2/apis", timeout)
}

func probeGet(url string, timeout time.Duration) (bool, time.Duration) {
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	resp, err := c.Get(url)
	if err != nil {
		return false, time.Since(start)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == 200, time.Since(start)
}

// prober asks one URL every 250 ms on a new connection (2 s timeout) and
// keeps the count of answers and the longest stretch without one, for as
// long as the server runs.
type prober struct {
	ok, failed    atomic.Int64
	longest, slow atomic.Int64 // nanoseconds
	cancel        context.CancelFunc
	done          chan struct{}
}

func (p *proc) startProber(url string) *prober {
	ctx, cancel := context.WithCancel(context.Background())
	pr := &prober{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(pr.done)
		var downSince time.Time
		for ctx.Err() == nil {
			ok, d := probeGet(url, 2*time.Second)
			if !p.alive() {
				return
			}
			if int64(d) > pr.slow.Load() {
				pr.slow.Store(int64(d))
			}
			now := time.Now()
			if ok {
				pr.ok.Add(1)
				downSince = time.Time{}
			} else {
				pr.failed.Add(1)
				if downSince.IsZero() {
					downSince = now.Add(-d)
				}
				if out := int64(now.Sub(downSince)); out > pr.longest.Load() {
					pr.longest.Store(out)
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()
	return pr
}

func (pr *prober) stop() string {
	pr.cancel()
	<-pr.done
	return fmt.Sprintf("%d answered, %d not (2 s timeout); longest without an answer %v; slowest %v",
		pr.ok.Load(), pr.failed.Load(), time.Duration(pr.longest.Load()).Round(100*time.Millisecond),
		time.Duration(pr.slow.Load()).Round(time.Millisecond))
}

// report prints the server's figures before, at the peak and after.
func report(before, peak, after sample) {
	row := func(name string, f func(sample) int) {
		v := func(s sample) string {
			if n := f(s); n >= 0 {
				return strconv.Itoa(n)
			}
			return "-"
		}
		fmt.Printf("    %-12s %8s %8s %8s\n", name, v(before), v(peak), v(after))
	}
	fmt.Printf("    %-12s %8s %8s %8s\n", "server", "before", "peak", "after")
	row("open fds", func(s sample) int { return s.fds })
	row("RSS MiB", func(s sample) int { return s.rssMiB })
	row("threads", func(s sample) int { return s.threads })
	row("goroutines", func(s sample) int { return s.goroutines })
}

// settle waits until the server holds no more descriptors than at the
// start (plus slack), or for at most d, and samples it.
func (p *proc) settle(base sample, d time.Duration) (sample, time.Duration) {
	start := time.Now()
	for {
		s := p.sample()
		if !p.alive() || s.fds <= base.fds+4 || time.Since(start) > d {
			return s, time.Since(start)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
