// Package jobs runs Hearken's durable background jobs with River, on SQLite and
// PostgreSQL alike. Jobs are enqueued inside the caller's transaction
// (db.InTx), so a job exists exactly when the change that caused it commits.
//
// Wiring: migrate with Module(), build with New, Register every worker and add
// periodic jobs, then Start; Stop on shutdown.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/hearken-org/hearken/internal/db"
)

// Options configure New. The zero value is usable.
type Options struct {
	// Queues maps each queue to how many of its jobs may run at once in this
	// instance. Empty means {"default": 4}.
	Queues map[string]int
	// Workers is the bundle Register adds to; nil gives a new one.
	Workers *river.Workers
	// FetchPollInterval is how often each queue looks for work when no
	// notification arrived (River's default is 1 s).
	FetchPollInterval time.Duration
	// FetchCooldown is the least time between two fetches of a queue (River's
	// default is 100 ms; lowered to FetchPollInterval when that is shorter).
	FetchCooldown time.Duration
	// Registry, if set, receives the job metrics.
	Registry prometheus.Registerer
	// PostgresURL is the server River's own pool connects to; empty means the
	// URL the DB was opened from (d.DSN()).
	PostgresURL string
	// PostgresMaxConns caps River's own PostgreSQL pool (default 10: a
	// listener, the leader, maintenance and the fetchers each hold one at times).
	PostgresMaxConns int32
	// MaxAttempts is the default attempts per job (River's default is 25).
	MaxAttempts int
	// RetryPolicy decides the backoff between attempts; nil is River's
	// default (attempt⁴ seconds with jitter). A worker's NextRetry overrides it.
	RetryPolicy river.ClientRetryPolicy
	// JobTimeout bounds one attempt (River's default is 1 min; -1 for none).
	JobTimeout time.Duration
	// ID names this instance in River's tables and logs; empty makes one up.
	ID string
}

// Jobs is Hearken's job system: one River client with its own database handle.
type Jobs struct {
	dialect db.Dialect
	log     *slog.Logger
	workers *river.Workers
	b       backend
	metrics *metrics

	mu          sync.Mutex
	started     bool
	stopped     bool
	stopMetrics context.CancelFunc
	metricsDone chan struct{}
}

// backend hides River's transaction type parameter (*sql.Tx for SQLite,
// pgx.Tx for PostgreSQL) from the rest of the package.
type backend interface {
	start(ctx context.Context) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	insert(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	insertMany(ctx context.Context, tx *db.Tx, params []river.InsertManyParams) (int, error)
	cancel(ctx context.Context, tx *db.Tx, id int64) (*rivertype.JobRow, error)
	periodic() *river.PeriodicJobBundle
	subscribe() (<-chan *river.Event, func())
	close()
}

type client[TTx any] struct {
	c *river.Client[TTx]
	// inTx runs f with our transaction in River's transaction type.
	inTx    func(tx *db.Tx, f func(TTx) error) error
	closeDB func()
}

// hardStopTimeout bounds the wait for cancelled jobs to return once Stop's
// own deadline has passed.
const hardStopTimeout = 10 * time.Second

// New builds the job system on d. River gets a handle of its own: SQLite needs
// one single-connection pool per River client, and River's PostgreSQL driver
// needs a pgxpool rather than database/sql.
func New(d *db.DB, log *slog.Logger, opts Options) (*Jobs, error) {
	if log == nil {
		log = slog.Default()
	}
	workers := opts.Workers
	if workers == nil {
		workers = river.NewWorkers()
	}
	queues := map[string]river.QueueConfig{}
	for name, n := range opts.Queues {
		queues[name] = river.QueueConfig{MaxWorkers: n}
	}
	if len(queues) == 0 {
		queues[river.QueueDefault] = river.QueueConfig{MaxWorkers: 4}
	}
	cooldown := opts.FetchCooldown
	if cooldown == 0 && opts.FetchPollInterval > 0 && opts.FetchPollInterval < river.FetchCooldownDefault {
		cooldown = opts.FetchPollInterval
	}
	cfg := &river.Config{
		FetchCooldown:     cooldown,
		FetchPollInterval: opts.FetchPollInterval,
		ID:                opts.ID,
		JobTimeout:        opts.JobTimeout,
		Logger:            log.With("component", "jobs"),
		MaxAttempts:       opts.MaxAttempts,
		Queues:            queues,
		RetryPolicy:       opts.RetryPolicy,
		Workers:           workers,
	}
	m, err := newMetrics(opts.Registry)
	if err != nil {
		return nil, fmt.Errorf("jobs metrics: %w", err)
	}

	j := &Jobs{dialect: d.Dialect, log: log, workers: workers, metrics: m}
	switch d.Dialect {
	case db.SQLite:
		j.b, err = newSQLite(d, cfg)
	case db.Postgres:
		j.b, err = newPostgres(d, cfg, opts)
	default:
		err = fmt.Errorf("unsupported dialect %q", d.Dialect)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return j, nil
}

func newSQLite(d *db.DB, cfg *river.Config) (backend, error) {
	// riversqlite wants exactly one connection per client: River runs many
	// operations concurrently and SQLite would answer SQLITE_BUSY otherwise.
	// Writes from our own writer pool and from other clients on the file are
	// serialised by SQLite's lock and the DSN's busy timeout.
	h, err := sql.Open(db.SQLiteDriver, d.DSN())
	if err != nil {
		return nil, err
	}
	h.SetMaxOpenConns(1)
	h.SetMaxIdleConns(1)
	h.SetConnMaxLifetime(0)
	h.SetConnMaxIdleTime(0)
	c, err := river.NewClient(riversqlite.New(h), cfg)
	if err != nil {
		h.Close()
		return nil, err
	}
	return &client[*sql.Tx]{
		c: c,
		// Our transaction is a *sql.Tx on the same file: River writes through it.
		inTx:    func(tx *db.Tx, f func(*sql.Tx) error) error { return f(tx.Tx) },
		closeDB: func() { h.Close() },
	}, nil
}

func newPostgres(d *db.DB, cfg *river.Config, opts Options) (backend, error) {
	url := opts.PostgresURL
	if url == "" {
		url = d.DSN()
	}
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL URL: %w", err)
	}
	pc.MaxConns = opts.PostgresMaxConns
	if pc.MaxConns <= 0 {
		pc.MaxConns = 10
	}
	// NewWithConfig connects lazily, so New needs no context.
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, err
	}
	c, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &client[pgx.Tx]{c: c, inTx: withPgxTx, closeDB: pool.Close}, nil
}

// Register adds w as the worker for jobs of kind T. Call it before Start; it
// panics on a duplicate kind, like river.AddWorker.
func Register[T river.JobArgs](j *Jobs, w river.Worker[T]) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.started {
		// River reads the bundle without locks once started.
		panic("jobs: Register after Start")
	}
	river.AddWorker(j.workers, w)
}

// AddPeriodic enqueues constructor's job every interval, from whichever
// instance is River's leader. opts may be nil (RunOnStart then false). A new
// leader starts its own schedule, so a run may repeat around a leader change:
// keep periodic work idempotent, or give it UniqueOpts{ByPeriod: …}.
func (j *Jobs) AddPeriodic(interval time.Duration, constructor river.PeriodicJobConstructor, opts *river.PeriodicJobOpts) {
	j.b.periodic().Add(river.NewPeriodicJob(river.PeriodicInterval(interval), constructor, opts))
}

// Start starts working jobs. It runs until Stop: cancelling ctx does not stop
// the client (it would cancel running jobs mid-way), so graceful shutdown is
// Stop's job alone.
func (j *Jobs) Start(ctx context.Context) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.stopped {
		return errors.New("jobs: Start after Stop")
	}
	if j.started {
		return nil
	}
	events, unsubscribe := j.b.subscribe()
	mctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer unsubscribe()
		j.metrics.run(mctx, events)
	}()
	if err := j.b.start(context.WithoutCancel(ctx)); err != nil {
		cancel()
		<-done
		return fmt.Errorf("jobs: start: %w", err)
	}
	j.started, j.stopMetrics, j.metricsDone = true, cancel, done
	return nil
}

// Stop stops fetching jobs, waits for running ones to finish until ctx is
// done, then cancels those still running (they are retried later) and waits up
// to hardStopTimeout more for them to return. It then closes River's handle; a
// stopped Jobs cannot start again. The error wraps ctx's error when jobs had
// to be cancelled.
func (j *Jobs) Stop(ctx context.Context) error {
	j.mu.Lock()
	if j.stopped {
		j.mu.Unlock()
		return nil
	}
	j.stopped = true
	started := j.started
	j.mu.Unlock()

	var err error
	if started {
		if err = j.b.stop(ctx); err != nil && ctx.Err() != nil {
			j.log.WarnContext(ctx, "jobs: stop deadline passed; cancelling running jobs")
			hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopTimeout)
			err = j.b.stopAndCancel(hctx)
			cancel()
			err = errors.Join(fmt.Errorf("jobs: running jobs cancelled at stop: %w", ctx.Err()), err)
		}
		j.stopMetrics()
		<-j.metricsDone
	}
	j.b.close()
	return err
}

// Enqueue inserts a job. Inside db.InTx the job is written in that transaction,
// so it commits or rolls back with the change that caused it (and no worker
// sees it before the commit); otherwise it is inserted in a transaction of its
// own. opts may be nil. With UniqueOpts, a duplicate is not inserted and the
// result's UniqueSkippedAsDuplicate is set.
func (j *Jobs) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	tx, err := j.tx(ctx)
	if err != nil {
		return nil, err
	}
	res, err := j.b.insert(ctx, tx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return res, nil
}

// EnqueueMany inserts several jobs with one statement (PostgreSQL: COPY),
// in the caller's transaction like Enqueue, and returns how many: cheaper
// than one Enqueue each where a change schedules several jobs at once (a new
// conversation's acknowledgement and deadline timers), and cheaper than
// River's InsertMany for not reading the rows back. In a group commit
// (db.InTxGrouped) the jobs of all the group's callers are written together
// once they have run, still before the commit (db.GroupBatch): one statement
// for a group's timers instead of one per message. Jobs with unique options
// do not belong here: a conflict fails the whole batch.
func (j *Jobs) EnqueueMany(ctx context.Context, params []river.InsertManyParams) (int, error) {
	if len(params) == 0 {
		return 0, nil
	}
	err := db.GroupBatch(ctx, j, params, func(ctx context.Context, params []river.InsertManyParams) error {
		tx, err := j.tx(ctx)
		if err != nil {
			return err
		}
		if _, err := j.b.insertMany(ctx, tx, params); err != nil {
			return fmt.Errorf("enqueue %d jobs (%s…): %w", len(params), params[0].Args.Kind(), err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(params), nil
}

// Cancel cancels a job, for example a response-deadline timer that is no
// longer needed. A job not yet running never runs; a running one has its
// context cancelled and is not retried; a finished one is left as it is. Like
// Enqueue it joins the caller's transaction. It returns river.ErrNotFound for
// an unknown ID.
func (j *Jobs) Cancel(ctx context.Context, jobID int64) (*rivertype.JobRow, error) {
	tx, err := j.tx(ctx)
	if err != nil {
		return nil, err
	}
	row, err := j.b.cancel(ctx, tx, jobID)
	if err != nil {
		return nil, fmt.Errorf("cancel job %d: %w", jobID, err)
	}
	return row, nil
}

func (j *Jobs) tx(ctx context.Context) (*db.Tx, error) {
	tx := db.TxFrom(ctx)
	if tx != nil && tx.Dialect() != j.dialect {
		return nil, fmt.Errorf("jobs: transaction is on %s, jobs on %s", tx.Dialect(), j.dialect)
	}
	return tx, nil
}

func (c *client[TTx]) start(ctx context.Context) error         { return c.c.Start(ctx) }
func (c *client[TTx]) stop(ctx context.Context) error          { return c.c.Stop(ctx) }
func (c *client[TTx]) stopAndCancel(ctx context.Context) error { return c.c.StopAndCancel(ctx) }
func (c *client[TTx]) periodic() *river.PeriodicJobBundle      { return c.c.PeriodicJobs() }
func (c *client[TTx]) close()                                  { c.closeDB() }

func (c *client[TTx]) subscribe() (<-chan *river.Event, func()) {
	// A generous buffer: River drops events rather than block on a slow reader.
	return c.c.SubscribeConfig(&river.SubscribeConfig{Kinds: metricEvents, ChanSize: 10_000})
}

func (c *client[TTx]) insert(ctx context.Context, tx *db.Tx, args river.JobArgs, opts *river.InsertOpts) (res *rivertype.JobInsertResult, err error) {
	if tx == nil {
		return c.c.Insert(ctx, args, opts)
	}
	err = c.inTx(tx, func(rtx TTx) error {
		res, err = c.c.InsertTx(ctx, rtx, args, opts)
		return err
	})
	return res, err
}

func (c *client[TTx]) insertMany(ctx context.Context, tx *db.Tx, params []river.InsertManyParams) (n int, err error) {
	if tx == nil {
		return c.c.InsertManyFast(ctx, params)
	}
	err = c.inTx(tx, func(rtx TTx) error {
		n, err = c.c.InsertManyFastTx(ctx, rtx, params)
		return err
	})
	return n, err
}

func (c *client[TTx]) cancel(ctx context.Context, tx *db.Tx, id int64) (row *rivertype.JobRow, err error) {
	if tx == nil {
		return c.c.JobCancel(ctx, id)
	}
	err = c.inTx(tx, func(rtx TTx) error {
		row, err = c.c.JobCancelTx(ctx, rtx, id)
		return err
	})
	return row, err
}
