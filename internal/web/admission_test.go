package web

import (
	"context"
	"errors"
	"testing"
	"time"
)

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestAdmissionFirstComeFirstServed(t *testing.T) {
	a := newAdmission(2, time.Hour)
	ctx := context.Background()
	first, _ := a.enter(ctx)
	second, _ := a.enter(ctx)
	if a.running() != 2 {
		t.Fatalf("running %d", a.running())
	}
	// Five more arrive one after another and queue.
	order := make(chan int, 5)
	leaves := make(chan func(), 5)
	for i := 0; i < 5; i++ {
		go func(i int) {
			leave, err := a.enter(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			order <- i
			leaves <- leave
		}(i)
		waitFor(t, "the request to queue", func() bool { return a.waiting.Load() == int64(i+1) })
		time.Sleep(20 * time.Millisecond) // from counted to parked in the channel's queue
	}
	// Leaving twice frees one slot, not two.
	first()
	first()
	if got := <-order; got != 0 {
		t.Fatalf("first admitted: %d, want 0", got)
	}
	time.Sleep(50 * time.Millisecond)
	if len(order) != 0 {
		t.Fatal("a second waiter got in on one freed slot")
	}
	second()
	for want := 1; want < 5; want++ {
		if got := <-order; got != want {
			t.Fatalf("admitted %d, want %d", got, want)
		}
		(<-leaves)()
	}
	(<-leaves)()
	waitFor(t, "every slot back", func() bool { return a.running() == 0 && a.waiting.Load() == 0 })
}

func TestAdmissionLongRequestLeavesTheCount(t *testing.T) {
	a := newAdmission(1, 50*time.Millisecond)
	long, _ := a.enter(context.Background()) // an export that runs on
	defer long()
	done := make(chan error, 1)
	go func() {
		leave, err := a.enter(context.Background())
		if err == nil {
			leave()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a long request held the only slot")
	}
}

func TestAdmissionClientGoneWhileWaiting(t *testing.T) {
	a := newAdmission(1, time.Hour)
	held, _ := a.enter(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := a.enter(ctx)
		done <- err
	}()
	waitFor(t, "the request to queue", func() bool { return a.waiting.Load() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if a.waiting.Load() != 0 || a.running() != 1 {
		t.Fatalf("waiting %d running %d", a.waiting.Load(), a.running())
	}
	held()
	if a.running() != 0 {
		t.Fatal("slot not returned")
	}
}
