package db

import (
	"container/list"
	"sync"
)

// lru is a cache of at most max entries that forgets the least recently used
// first. The caches of query texts are bounded this way: a text that differs
// per user or scope must not grow them for the life of the server.
type lru[V any] struct {
	mu      sync.Mutex
	max     int
	order   *list.List // front: most recently used
	entries map[string]*list.Element
	// evicted is called (outside the lock) with each value pushed out.
	evicted func(V)
}

type lruEntry[V any] struct {
	key string
	val V
}

func newLRU[V any](max int, evicted func(V)) *lru[V] {
	return &lru[V]{max: max, order: list.New(), entries: map[string]*list.Element{}, evicted: evicted}
}

// get returns the value of key, marking it used.
func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*lruEntry[V]).val, true
	}
	var zero V
	return zero, false
}

// add stores val under key unless key is there already, and returns the value
// kept (the one already there wins, so that racing adders share one).
func (c *lru[V]) add(key string, val V) (kept V, added bool) {
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		c.order.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(*lruEntry[V]).val, false
	}
	c.entries[key] = c.order.PushFront(&lruEntry[V]{key: key, val: val})
	var out []V
	for c.order.Len() > c.max {
		old := c.order.Back()
		c.order.Remove(old)
		en := old.Value.(*lruEntry[V])
		delete(c.entries, en.key)
		out = append(out, en.val)
	}
	c.mu.Unlock()
	if c.evicted != nil {
		for _, v := range out {
			c.evicted(v)
		}
	}
	return val, true
}

// len is the number of entries.
func (c *lru[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// drain forgets every entry and returns their values (evicted is not called).
func (c *lru[V]) drain() []V {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []V
	for e := c.order.Front(); e != nil; e = e.Next() {
		out = append(out, e.Value.(*lruEntry[V]).val)
	}
	c.order.Init()
	c.entries = map[string]*list.Element{}
	return out
}
