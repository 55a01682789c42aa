// Package faults holds the fault-injection suite (`make test-faults`, also part of
// `make test`): chii's API composed as the server composes it, with MySQL and Redis reached
// through a Proxy that can refuse, freeze or pass connections, so the tests can show how the
// server behaves while a dependency is down or hangs.
package faults

import (
	"net"
	"sync"
	"sync/atomic"
)

// Mode is what a Proxy does with traffic.
type Mode int

const (
	// Pass forwards both ways.
	Pass Mode = iota
	// Refuse closes every connection, open or new: a server that is down.
	Refuse
	// Freeze accepts connections and forwards nothing: a server that hangs.
	Freeze
)

// Proxy forwards TCP connections from a loopback address to a target, in a Mode that tests
// switch at any time.
type Proxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cond  *sync.Cond
	mode  Mode
	conns map[net.Conn]struct{}
	done  bool
	// accepted counts the connections clients opened.
	accepted atomic.Int64
}

// Accepted is the number of connections clients opened so far.
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// NewProxy listens on 127.0.0.1 (a free port) and forwards to target.
func NewProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.cond = sync.NewCond(&p.mu)
	go p.accept()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Set switches the mode. Refuse closes the open connections; Pass releases frozen ones.
func (p *Proxy) Set(m Mode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
	if m == Refuse {
		for c := range p.conns {
			_ = c.Close()
		}
	}
	p.cond.Broadcast()
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.done = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.cond.Broadcast()
	p.mu.Unlock()
	return p.ln.Close()
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		p.mu.Lock()
		if p.mode == Refuse || p.done {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns[c] = struct{}{}
		p.mu.Unlock()
		go p.serve(c)
	}
}

func (p *Proxy) serve(client net.Conn) {
	defer p.forget(client)
	// A frozen proxy does not even dial: the client waits as for a server that hangs.
	if !p.wait() {
		return
	}
	upstream, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	p.track(upstream)
	defer p.forget(upstream)
	go p.pipe(upstream, client)
	p.pipe(client, upstream)
}

// pipe copies src to dst, holding each chunk while the proxy is frozen.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer func() { _ = dst.Close(); _ = src.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.wait() {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // EOF or a closed connection: the other direction ends with it
		}
	}
}

// wait blocks while the proxy is frozen; it reports whether traffic may go on.
func (p *Proxy) wait() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.mode == Freeze && !p.done {
		p.cond.Wait()
	}
	return p.mode == Pass && !p.done
}

func (p *Proxy) track(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns[c] = struct{}{}
}

func (p *Proxy) forget(c net.Conn) {
	_ = c.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}
