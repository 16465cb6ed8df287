package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"sync"
	"time"
)

// freshPostgres creates a new database on the admin server and returns its URL.
// With reuse it returns the one kept bench database, creating it if absent.
func freshPostgres(ctx context.Context, admin string, reuse bool) (string, error) {
	a, err := sql.Open("pgx", admin)
	if err != nil {
		return "", err
	}
	defer a.Close()
	var b [4]byte
	rand.Read(b[:])
	name := "linli_bench_" + hex.EncodeToString(b[:])
	exists := false
	if reuse {
		name = "linli_bench_kept"
		_ = a.QueryRowContext(ctx, `SELECT true FROM pg_database WHERE datname = $1`, name).Scan(&exists) // no row: it does not exist
	}
	if !exists {
		if _, err := a.ExecContext(ctx, `CREATE DATABASE `+name+` ENCODING 'UTF8' TEMPLATE template0`); err != nil {
			return "", err
		}
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Latencies collects request durations and reports percentiles.
type Latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

// Add records one duration.
func (l *Latencies) Add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// P returns the q-th percentile (0 < q ≤ 100).
func (l *Latencies) P(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), l.d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*q/100+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

// N is the number of samples.
func (l *Latencies) N() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.d) }

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// secs formats a duration in seconds.
func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// Concurrently runs fn from n goroutines until total calls are made.
func Concurrently(n, total int, fn func(i int)) time.Duration {
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < total; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return time.Since(start)
}

// Paced runs fn from n goroutines for total calls that arrive evenly over
// the given span (an open workload: users come at the stated rate whether or
// not the earlier ones are served). fn gets the call's arrival time and
// measures from it, so a call that waited for a free client counts its wait.
func Paced(n, total int, over time.Duration, fn func(i int, arrived time.Time)) time.Duration {
	start := time.Now()
	type call struct {
		i  int
		at time.Time
	}
	var wg sync.WaitGroup
	next := make(chan call, total)
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range next {
				fn(c.i, c.at)
			}
		}()
	}
	for i := 0; i < total; i++ {
		at := start.Add(over * time.Duration(i) / time.Duration(total))
		time.Sleep(time.Until(at))
		next <- call{i, at}
	}
	close(next)
	wg.Wait()
	return time.Since(start)
}
