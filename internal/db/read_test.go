package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"linli/internal/db"
	"linli/internal/dbtest"
)

// Read admits its units first come, first served: with every place taken,
// those that arrive later get a place as one frees, in the order they arrived
// (database/sql alone hands a freed connection to a random waiter).
func TestReadQueueIsFirstComeFirstServed(t *testing.T) {
	dbtest.Run(t, nil, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		var releases []chan struct{}
		freed := map[int]bool{}
		free := func(i int) {
			if !freed[i] {
				freed[i] = true
				close(releases[i])
			}
		}
		defer func() {
			for i := range releases {
				free(i)
			}
			wg.Wait()
		}()
		// unit starts a Read that reports its admission and then holds its
		// place until its release is closed.
		admitted := make(chan int, 64)
		unit := func(i int, release chan struct{}) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := d.Read(ctx, func(q db.Queryer) error {
					var n int
					if err := q.QueryRowContext(ctx, `SELECT CAST(? AS INTEGER)`, i).Scan(&n); err != nil || n != i {
						return fmt.Errorf("read %d: %d, %v", i, n, err)
					}
					admitted <- i
					<-release
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		// Take every place: holders until one is not admitted.
		for i := 0; ; i++ {
			if i == 256 {
				t.Fatal("Read admits any number at once")
			}
			release := make(chan struct{})
			releases = append(releases, release)
			unit(-1-i, release)
			select {
			case <-admitted:
				continue
			case <-time.After(300 * time.Millisecond):
			}
			break
		}
		// The last holder waits first; then waiters 0…7 arrive one by one.
		const waiters = 8
		for i := 0; i < waiters; i++ {
			release := make(chan struct{})
			releases = append(releases, release)
			unit(i, release)
			time.Sleep(20 * time.Millisecond) // i is queued before i+1 arrives
		}
		// Free one place at a time: each goes to the next in line.
		want := append([]int{-len(releases) + waiters}, make([]int, waiters)...)
		for i := 1; i <= waiters; i++ {
			want[i] = i - 1
		}
		for step, next := range want {
			free(step)
			select {
			case got := <-admitted:
				if got != next {
					t.Fatalf("place %d went to %d, want %d (first come, first served)", step, got, next)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("place %d went to nobody", step)
			}
		}
	})
}

// A unit that waits for its place gives up with its context; Read does not
// write.
func TestReadCancelAndNoWrites(t *testing.T) {
	dbtest.Run(t, nil, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Read(ctx, func(q db.Queryer) error {
			_, err := q.ExecContext(ctx, `CREATE TABLE read_may_not (x INTEGER)`)
			return err
		}); err == nil {
			t.Fatal("Read ran a write")
		}
		hold := make(chan struct{})
		var wg sync.WaitGroup
		defer func() { close(hold); wg.Wait() }()
		// Fill the places.
		for i := 0; i < 64; i++ {
			admitted := make(chan struct{})
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = d.Read(ctx, func(q db.Queryer) error { close(admitted); <-hold; return nil })
			}()
			select {
			case <-admitted:
				continue
			case <-time.After(200 * time.Millisecond):
			}
			break
		}
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if err := d.Read(short, func(q db.Queryer) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("a unit that could not get a place: %v", err)
		}
	})
}
