package web

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"
	"time"
)

// Metrics counts requests per route pattern and status and keeps a latency
// histogram per route, written in the Prometheus text format at /metrics.
type Metrics struct {
	mu       sync.Mutex
	requests map[[2]string]uint64 // {route, status class} → count
	hist     map[string]*histogram
	started  time.Time
	gauges   []func() (name, help string, value float64)
	counters []counter
}

// counter is a labelled counter kept elsewhere and read at scrape time.
type counter struct {
	name, help, label string
	values            func() map[string]uint64
}

var buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type histogram struct {
	counts []uint64
	sum    float64
	n      uint64
}

// NewMetrics returns an empty registry.
func NewMetrics() *Metrics {
	return &Metrics{requests: map[[2]string]uint64{}, hist: map[string]*histogram{}, started: time.Now()}
}

// AddGauge registers a value read at scrape time (database size, queue lengths).
func (m *Metrics) AddGauge(f func() (name, help string, value float64)) {
	m.mu.Lock()
	m.gauges = append(m.gauges, f)
	m.mu.Unlock()
}

// AddCounter registers a counter kept by another package and read at scrape
// time, with one label: values gives the count for each label value. Lower
// layers (importexport's fallbacks to excelize) keep their own counts, as
// they may not import the web layer; the wiring registers them here.
func (m *Metrics) AddCounter(name, help, label string, values func() map[string]uint64) {
	m.mu.Lock()
	m.counters = append(m.counters, counter{name, help, label, values})
	m.mu.Unlock()
}

func (m *Metrics) observe(route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{route, fmt.Sprint(status)}]++
	h := m.hist[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.hist[route] = h
	}
	sec := d.Seconds()
	for i, b := range buckets {
		if sec <= b {
			h.counts[i]++
		}
	}
	h.sum += sec
	h.n++
}

// Write writes every metric in the Prometheus text exposition format.
func (m *Metrics) Write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintln(w, "# HELP linli_http_requests_total HTTP requests by route pattern and status.")
	fmt.Fprintln(w, "# TYPE linli_http_requests_total counter")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		fmt.Fprintf(w, "linli_http_requests_total{route=%q,status=%q} %d\n", k[0], k[1], m.requests[k])
	}
	fmt.Fprintln(w, "# HELP linli_http_request_duration_seconds HTTP request latency by route pattern.")
	fmt.Fprintln(w, "# TYPE linli_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(m.hist))
	for r := range m.hist {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, r := range routes {
		h := m.hist[r]
		for i, b := range buckets {
			fmt.Fprintf(w, "linli_http_request_duration_seconds_bucket{route=%q,le=\"%g\"} %d\n", r, b, h.counts[i])
		}
		fmt.Fprintf(w, "linli_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, h.n)
		fmt.Fprintf(w, "linli_http_request_duration_seconds_sum{route=%q} %g\n", r, h.sum)
		fmt.Fprintf(w, "linli_http_request_duration_seconds_count{route=%q} %d\n", r, h.n)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gauge := func(name, help string, v float64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %g\n", name, help, name, name, v)
	}
	gauge("linli_uptime_seconds", "Seconds since the process started.", time.Since(m.started).Seconds())
	gauge("linli_goroutines", "Number of goroutines.", float64(runtime.NumGoroutine()))
	gauge("linli_heap_inuse_bytes", "Heap memory in use.", float64(ms.HeapInuse))
	gauge("linli_sys_bytes", "Memory obtained from the OS.", float64(ms.Sys))
	for _, g := range m.gauges {
		name, help, v := g()
		gauge(name, help, v)
	}
	for _, c := range m.counters {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", c.name, c.help, c.name)
		values := c.values()
		keys := make([]string, 0, len(values))
		for k := range values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "%s{%s=%q} %d\n", c.name, c.label, k, values[k])
		}
	}
}
