// Package demo fills a database with a believable organization. Each capability
// contributes a Step; steps run in order, each in resumable chunks, so a large
// run interrupted half-way continues where it stopped.
package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/hearken-org/hearken/internal/db"
)

// Size selects how much data to make.
type Size string

const (
	Small Size = "small"
	Large Size = "large"
)

// ParseSize accepts "small" or "large".
func ParseSize(s string) (Size, error) {
	switch Size(s) {
	case Small, Large:
		return Size(s), nil
	}
	return "", fmt.Errorf("--size %q: want small or large", s)
}

// Step is one capability's generator. Total is how many units it will make at a
// size; Run makes units [from, to) and must be idempotent for a chunk (it runs in
// one transaction, so an interrupted chunk leaves nothing behind).
type Step struct {
	Name  string
	Total func(size Size) int
	// Chunk is how many units go in one transaction (and one progress update).
	Chunk int
	Run   func(ctx context.Context, env *Env, from, to int) error
}

// Env is what steps share: the database, the size, a deterministic random source
// per chunk, and the values earlier steps left for later ones.
type Env struct {
	DB   *db.DB
	Size Size
	Seed uint64
	mu   sync.Mutex
	vals map[string]any
}

// Rand returns a random source fixed by the step and chunk, so a resumed run
// makes the same data as an uninterrupted one.
func (e *Env) Rand(step string, from int) *rand.Rand {
	h := e.Seed
	for _, c := range step {
		h = h*31 + uint64(c)
	}
	return rand.New(rand.NewPCG(h, uint64(from)))
}

// Set stores a value for later steps (e.g. the IDs of staff users).
func (e *Env) Set(key string, v any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.vals == nil {
		e.vals = map[string]any{}
	}
	e.vals[key] = v
}

// Get returns a value set by an earlier step.
func (e *Env) Get(key string) any {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.vals[key]
}

// Run runs the steps, skipping chunks already recorded as done, and draws a
// progress bar on out.
func Run(ctx context.Context, d *db.DB, size Size, steps []Step, out io.Writer) error {
	env := &Env{DB: d, Size: size, Seed: 20170301}
	q, err := db.LoadQueries(d, queryFS, "queries")
	if err != nil {
		return err
	}
	for _, st := range steps {
		total := st.Total(size)
		chunk := max(1, st.Chunk)
		var done int
		if err := q.QueryRow(ctx, "StepDone", st.Name, string(size)).Scan(&done); err != nil && !isNoRows(err) {
			return fmt.Errorf("demo step %s: %w", st.Name, err)
		}
		bar := newBar(out, st.Name, total, done)
		for from := done; from < total; from += chunk {
			if err := ctx.Err(); err != nil {
				bar.finish()
				return err
			}
			to := min(total, from+chunk)
			err := d.InTx(ctx, func(ctx context.Context) error {
				if err := st.Run(ctx, env, from, to); err != nil {
					return err
				}
				_, err := q.Exec(ctx, "RecordStep", st.Name, string(size), to, db.Now())
				return err
			})
			if err != nil {
				bar.finish()
				return fmt.Errorf("demo step %s (units %d–%d): %w", st.Name, from, to, err)
			}
			bar.set(to)
		}
		bar.finish()
	}
	return nil
}

// progress bar: redraws at most a few times a second; shows rate and ETA.
type bar struct {
	out        io.Writer
	name       string
	total      int
	start      time.Time
	startCount int
	last       time.Time
	cur        int
}

func newBar(out io.Writer, name string, total, done int) *bar {
	b := &bar{out: out, name: name, total: total, start: time.Now(), startCount: done, cur: done}
	b.draw()
	return b
}

func (b *bar) set(n int) {
	b.cur = n
	if time.Since(b.last) > 200*time.Millisecond || n == b.total {
		b.draw()
	}
}

func (b *bar) draw() {
	if b.out == nil {
		return
	}
	b.last = time.Now()
	const width = 30
	frac := 1.0
	if b.total > 0 {
		frac = float64(b.cur) / float64(b.total)
	}
	filled := int(frac * width)
	elapsed := time.Since(b.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(b.cur-b.startCount) / elapsed
	}
	eta := "—"
	if rate > 0 && b.cur < b.total {
		eta = (time.Duration(float64(b.total-b.cur)/rate) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintf(b.out, "\r%-14s [%s%s] %3.0f%% %d/%d  %.0f/s  ETA %s   ",
		b.name, strings.Repeat("#", filled), strings.Repeat(".", width-filled), frac*100, b.cur, b.total, rate, eta)
}

func (b *bar) finish() {
	if b.out == nil {
		return
	}
	b.draw()
	fmt.Fprintln(b.out)
}
