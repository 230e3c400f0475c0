package jobs

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
)

//go:embed testdata/migrations
var testFS embed.FS

var modules = []db.Module{Module(), {Name: "jobstest", FS: testFS, Dir: "testdata/migrations"}}

// recordArgs is a job that writes one job_runs row per attempt and fails its
// first FailTimes attempts.
type recordArgs struct {
	Label     string `json:"label"`
	FailTimes int    `json:"fail_times,omitempty"`
}

func (recordArgs) Kind() string { return "test_record" }

type recordWorker struct {
	river.WorkerDefaults[recordArgs]
	d      *db.DB
	client string

	mu   sync.Mutex
	runs map[string][]time.Time // label → attempt start times, this client only
}

func (w *recordWorker) Work(ctx context.Context, job *river.Job[recordArgs]) error {
	w.mu.Lock()
	w.runs[job.Args.Label] = append(w.runs[job.Args.Label], time.Now())
	w.mu.Unlock()
	if _, err := w.d.Writer.ExecContext(ctx, w.d.Rebind("INSERT INTO job_runs (label, job_id, attempt, client) VALUES ($1, $2, $3, $4)"),
		job.Args.Label, job.ID, job.Attempt, w.client); err != nil {
		return err
	}
	if job.Attempt <= job.Args.FailTimes {
		return fmt.Errorf("planned failure %d of %d", job.Attempt, job.Args.FailTimes)
	}
	return nil
}

// NextRetry keeps retries fast in tests; River's default backoff is seconds.
func (w *recordWorker) NextRetry(*river.Job[recordArgs]) time.Time {
	return time.Now().Add(50 * time.Millisecond)
}

func (w *recordWorker) ranAt(label string) []time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Time(nil), w.runs[label]...)
}

// slowArgs is a job that holds for Hold, or until its context is cancelled.
type slowArgs struct {
	Label string        `json:"label"`
	Hold  time.Duration `json:"hold"`
}

func (slowArgs) Kind() string { return "test_slow" }

type slowWorker struct {
	river.WorkerDefaults[slowArgs]
	d       *db.DB
	started chan string
}

func (w *slowWorker) Work(ctx context.Context, job *river.Job[slowArgs]) error {
	w.started <- job.Args.Label
	outcome := "done"
	select {
	case <-time.After(job.Args.Hold):
	case <-ctx.Done():
		outcome = "cancelled"
	}
	_, err := w.d.Writer.ExecContext(context.WithoutCancel(ctx), w.d.Rebind("INSERT INTO job_runs (label, job_id, attempt, client) VALUES ($1, $2, $3, $4)"),
		job.Args.Label+" "+outcome, job.ID, job.Attempt, "")
	if outcome == "cancelled" {
		return ctx.Err()
	}
	return err
}

type harness struct {
	*Jobs
	rec  *recordWorker
	slow *slowWorker
}

var testLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 1}))

// newJobs builds a Jobs with both test workers and fast polling; it is
// stopped when the test ends.
func newJobs(t *testing.T, d *db.DB, name string, opts Options) *harness {
	t.Helper()
	opts.FetchPollInterval = 50 * time.Millisecond
	opts.FetchCooldown = 10 * time.Millisecond
	opts.ID = name
	j, err := New(d, testLog, opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{
		Jobs: j,
		rec:  &recordWorker{d: d, client: name, runs: map[string][]time.Time{}},
		slow: &slowWorker{d: d, started: make(chan string, 10)},
	}
	Register(j, h.rec)
	Register(j, h.slow)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := j.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return h
}

func start(t *testing.T, h *harness) *harness {
	t.Helper()
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func count(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Reader.QueryRowContext(context.Background(), d.Rebind(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func runs(t *testing.T, d *db.DB, label string) int {
	return count(t, d, "SELECT count(*) FROM job_runs WHERE label = $1", label)
}

func jobState(t *testing.T, d *db.DB, id int64) rivertype.JobState {
	t.Helper()
	var s string
	if err := d.Reader.QueryRowContext(context.Background(), d.Rebind("SELECT state FROM river_job WHERE id = $1"), id).Scan(&s); err != nil {
		t.Fatalf("state of job %d: %v", id, err)
	}
	return rivertype.JobState(s)
}

func enqueue(t *testing.T, ctx context.Context, j *Jobs, args river.JobArgs, opts *river.InsertOpts) *rivertype.JobInsertResult {
	t.Helper()
	res, err := j.Enqueue(ctx, args, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRunOnceAndMetrics(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if p, err := d.Pending(ctx, modules...); err != nil || len(p) != 0 {
			t.Fatalf("pending after migrate = %v, %v", p, err)
		}
		reg := prometheus.NewRegistry()
		h := start(t, newJobs(t, d, "a", Options{Registry: reg, MaxAttempts: 2}))
		for i := range 5 {
			enqueue(t, ctx, h.Jobs, recordArgs{Label: fmt.Sprint("once ", i)}, nil)
		}
		retried := enqueue(t, ctx, h.Jobs, recordArgs{Label: "retry", FailTimes: 1}, nil)
		failed := enqueue(t, ctx, h.Jobs, recordArgs{Label: "fail", FailTimes: 99}, nil)
		waitFor(t, 20*time.Second, "jobs to run", func() bool {
			return count(t, d, "SELECT count(*) FROM job_runs") == 5+2+2 &&
				jobState(t, d, retried.Job.ID) == rivertype.JobStateCompleted &&
				jobState(t, d, failed.Job.ID) == rivertype.JobStateDiscarded
		})
		for i := range 5 {
			if n := runs(t, d, fmt.Sprint("once ", i)); n != 1 {
				t.Errorf("job %d ran %d times", i, n)
			}
		}
		// A failed attempt is retried with the worker's backoff, then succeeds.
		if n := count(t, d, "SELECT count(*) FROM job_runs WHERE label = 'retry' AND attempt IN (1, 2)"); n != 2 {
			t.Errorf("retry attempts = %d, want 2", n)
		}
		// Metrics come from River's events, which may trail the state change.
		waitFor(t, 15*time.Second, "metrics", func() bool {
			return gathered(t, reg, "hearken_jobs_completed_total") == 6 &&
				gathered(t, reg, "hearken_jobs_retried_total") == 2 &&
				gathered(t, reg, "hearken_jobs_failed_total") == 1 &&
				gathered(t, reg, "hearken_job_duration_seconds") == 9
		})
	})
}

// gathered sums a counter's values, or a histogram's sample counts, in reg.
func gathered(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if f.GetType() == dto.MetricType_HISTOGRAM {
				sum += float64(m.GetHistogram().GetSampleCount())
			} else {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

func TestEnqueueInTransaction(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h := start(t, newJobs(t, d, "a", Options{}))
		insertWidget := func(ctx context.Context, name string) error {
			_, err := d.W(ctx).ExecContext(ctx, d.Rebind("INSERT INTO widgets (name) VALUES ($1)"), name)
			return err
		}

		boom := errors.New("boom")
		err := d.InTx(ctx, func(ctx context.Context) error {
			if err := insertWidget(ctx, "rolled back"); err != nil {
				return err
			}
			if _, err := h.Enqueue(ctx, recordArgs{Label: "rolled back"}, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v", err)
		}
		if n := count(t, d, "SELECT count(*) FROM river_job"); n != 0 {
			t.Fatalf("%d job rows after rollback", n)
		}

		var id int64
		err = d.InTx(ctx, func(ctx context.Context) error {
			if err := insertWidget(ctx, "committed"); err != nil {
				return err
			}
			res, err := h.Enqueue(ctx, recordArgs{Label: "committed"}, nil)
			if err != nil {
				return err
			}
			id = res.Job.ID
			// Not visible to workers before the commit.
			time.Sleep(300 * time.Millisecond)
			var n int
			return d.R(ctx).QueryRowContext(ctx, "SELECT count(*) FROM job_runs").Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := runs(t, d, "committed"); n != 0 {
			t.Fatalf("job ran before its transaction committed")
		}
		waitFor(t, 15*time.Second, "committed job to run", func() bool { return runs(t, d, "committed") == 1 })
		waitFor(t, 15*time.Second, "job completed", func() bool { return jobState(t, d, id) == rivertype.JobStateCompleted })
		if n := count(t, d, "SELECT count(*) FROM widgets"); n != 1 {
			t.Fatalf("widgets = %d", n)
		}
	})
}

func TestEnqueueMany(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h := start(t, newJobs(t, d, "a", Options{}))
		batch := func(labels ...string) []river.InsertManyParams {
			var ps []river.InsertManyParams
			for _, l := range labels {
				ps = append(ps, river.InsertManyParams{Args: recordArgs{Label: l}})
			}
			return ps
		}
		boom := errors.New("boom")
		err := d.InTx(ctx, func(ctx context.Context) error {
			if _, err := h.EnqueueMany(ctx, batch("x1", "x2")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v", err)
		}
		if n := count(t, d, "SELECT count(*) FROM river_job"); n != 0 {
			t.Fatalf("%d job rows after rollback", n)
		}
		var n int
		err = d.InTx(ctx, func(ctx context.Context) error {
			n, err = h.EnqueueMany(ctx, batch("m1", "m2", "m3"))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("EnqueueMany = %d, want 3", n)
		}
		for _, l := range []string{"m1", "m2", "m3"} {
			waitFor(t, 15*time.Second, "job "+l, func() bool { return runs(t, d, l) == 1 })
		}
		if n, err := h.EnqueueMany(ctx, nil); err != nil || n != 0 {
			t.Fatalf("empty batch = %v, %v", n, err)
		}
		// Outside a transaction the batch commits on its own.
		if _, err := h.EnqueueMany(ctx, batch("o1")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 15*time.Second, "job o1", func() bool { return runs(t, d, "o1") == 1 })
	})
}

func TestCancel(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h := start(t, newJobs(t, d, "a", Options{}))
		later := &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)}
		res := enqueue(t, ctx, h.Jobs, recordArgs{Label: "deadline"}, later)
		if s := jobState(t, d, res.Job.ID); s != rivertype.JobStateScheduled {
			t.Fatalf("state = %s", s)
		}
		// Cancelling in a transaction that rolls back leaves the job alone.
		boom := errors.New("boom")
		err := d.InTx(ctx, func(ctx context.Context) error {
			if _, err := h.Cancel(ctx, res.Job.ID); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if s := jobState(t, d, res.Job.ID); s != rivertype.JobStateScheduled {
			t.Fatalf("state after rolled-back cancel = %s", s)
		}
		err = d.InTx(ctx, func(ctx context.Context) error {
			_, err := h.Cancel(ctx, res.Job.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if s := jobState(t, d, res.Job.ID); s != rivertype.JobStateCancelled {
			t.Fatalf("state after cancel = %s", s)
		}
		// Outside a transaction too.
		res = enqueue(t, ctx, h.Jobs, recordArgs{Label: "deadline 2"}, later)
		if row, err := h.Cancel(ctx, res.Job.ID); err != nil || row.State != rivertype.JobStateCancelled {
			t.Fatalf("cancel = %v, %v", row, err)
		}
		if _, err := h.Cancel(ctx, 1<<40); !errors.Is(err, river.ErrNotFound) {
			t.Fatalf("cancel unknown job = %v", err)
		}
	})
}

func TestScheduled(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h := start(t, newJobs(t, d, "a", Options{}))
		at := time.Now().Add(1500 * time.Millisecond)
		res := enqueue(t, ctx, h.Jobs, recordArgs{Label: "scheduled"}, &river.InsertOpts{ScheduledAt: at})
		if s := jobState(t, d, res.Job.ID); s != rivertype.JobStateScheduled {
			t.Fatalf("state = %s", s)
		}
		time.Sleep(time.Until(at.Add(-300 * time.Millisecond)))
		if n := runs(t, d, "scheduled"); n != 0 {
			t.Fatal("scheduled job ran early")
		}
		// River's scheduler promotes due jobs every 5 s.
		waitFor(t, 20*time.Second, "scheduled job to run", func() bool { return runs(t, d, "scheduled") == 1 })
		if ran := h.rec.ranAt("scheduled"); len(ran) != 1 || ran[0].Before(at) {
			t.Fatalf("ran at %v, scheduled for %v", ran, at)
		}
	})
}

func TestUnique(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h := newJobs(t, d, "a", Options{}) // not started: jobs stay put
		unique := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}
		first := enqueue(t, ctx, h.Jobs, recordArgs{Label: "digest"}, unique)
		var second *rivertype.JobInsertResult
		err := d.InTx(ctx, func(ctx context.Context) error {
			var err error
			second, err = h.Enqueue(ctx, recordArgs{Label: "digest"}, unique)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if first.UniqueSkippedAsDuplicate || !second.UniqueSkippedAsDuplicate || second.Job.ID != first.Job.ID {
			t.Fatalf("first %v/%d, second %v/%d", first.UniqueSkippedAsDuplicate, first.Job.ID, second.UniqueSkippedAsDuplicate, second.Job.ID)
		}
		other := enqueue(t, ctx, h.Jobs, recordArgs{Label: "other digest"}, unique)
		if other.UniqueSkippedAsDuplicate {
			t.Fatal("different args deduplicated")
		}
		if n := count(t, d, "SELECT count(*) FROM river_job"); n != 2 {
			t.Fatalf("%d job rows, want 2", n)
		}
	})
}

func TestGracefulStop(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()

		// Stop waits for the running job to finish.
		h := start(t, newJobs(t, d, "a", Options{}))
		res := enqueue(t, ctx, h.Jobs, slowArgs{Label: "slow", Hold: 700 * time.Millisecond}, nil)
		<-h.slow.started
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := h.Stop(sctx); err != nil {
			t.Fatalf("stop: %v", err)
		}
		if runs(t, d, "slow done") != 1 || jobState(t, d, res.Job.ID) != rivertype.JobStateCompleted {
			t.Fatalf("in-flight job not finished by Stop: state %s", jobState(t, d, res.Job.ID))
		}

		// Past Stop's deadline, running jobs are cancelled and kept for a retry.
		h = start(t, newJobs(t, d, "b", Options{}))
		res = enqueue(t, ctx, h.Jobs, slowArgs{Label: "stuck", Hold: time.Minute}, nil)
		<-h.slow.started
		sctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		began := time.Now()
		if err := h.Stop(sctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("stop past deadline = %v", err)
		}
		if took := time.Since(began); took > 3*time.Second {
			t.Fatalf("hard stop took %s", took)
		}
		if runs(t, d, "stuck cancelled") != 1 {
			t.Fatal("running job was not cancelled")
		}
		if s := jobState(t, d, res.Job.ID); s != rivertype.JobStateRetryable && s != rivertype.JobStateAvailable {
			t.Fatalf("cancelled job state = %s, want it kept for a retry", s)
		}
	})
}

func TestSurvivesRestart(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h := newJobs(t, d, "before", Options{})
		enqueue(t, ctx, h.Jobs, recordArgs{Label: "durable"}, nil)
		if err := h.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if n := runs(t, d, "durable"); n != 0 {
			t.Fatal("job ran on a client that was never started")
		}
		start(t, newJobs(t, d, "after", Options{}))
		waitFor(t, 15*time.Second, "job to run after restart", func() bool { return runs(t, d, "durable") == 1 })
	})
}

func TestPeriodic(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		h := newJobs(t, d, "a", Options{})
		h.AddPeriodic(300*time.Millisecond, func() (river.JobArgs, *river.InsertOpts) {
			return recordArgs{Label: "tick"}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true})
		start(t, h)
		waitFor(t, 20*time.Second, "periodic job to run twice", func() bool { return runs(t, d, "tick") >= 2 })
	})
}

// TestInstances runs two clients on one database: every job runs exactly once.
func TestInstances(t *testing.T) {
	t.Parallel()
	dbtest.Run(t, modules, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := start(t, newJobs(t, d, "a", Options{}))
		b := start(t, newJobs(t, d, "b", Options{}))
		const n = 200
		err := d.InTx(ctx, func(ctx context.Context) error {
			for i := range n {
				j := a.Jobs
				if i%2 == 1 {
					j = b.Jobs
				}
				if _, err := j.Enqueue(ctx, recordArgs{Label: fmt.Sprint("job ", i)}, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 30*time.Second, "all jobs to run", func() bool {
			return count(t, d, "SELECT count(*) FROM river_job WHERE state = 'completed'") == n
		})
		if got := count(t, d, "SELECT count(*) FROM job_runs"); got != n {
			t.Fatalf("%d runs for %d jobs", got, n)
		}
		if got := count(t, d, "SELECT count(DISTINCT label) FROM job_runs"); got != n {
			t.Fatalf("%d distinct jobs ran, want %d", got, n)
		}
		t.Logf("client a ran %d, b ran %d",
			count(t, d, "SELECT count(*) FROM job_runs WHERE client = 'a'"),
			count(t, d, "SELECT count(*) FROM job_runs WHERE client = 'b'"))
	})
}

// TestModule checks Pending before and after migrating, and that instances
// migrating at once do not trip over each other.
func TestModule(t *testing.T) {
	t.Parallel()
	for _, dialect := range dbtest.Backends() {
		t.Run(string(dialect), func(t *testing.T) {
			ctx := context.Background()
			d := dbtest.Open(t, dialect, nil)
			m := Module()
			if p, err := d.Pending(ctx, m); err != nil || len(p) != 1 {
				t.Fatalf("pending before migrate = %v, %v", p, err)
			}
			parallel := 1
			if dialect == db.Postgres {
				parallel = 3
			}
			errs := make(chan error, parallel)
			for range parallel {
				go func() { errs <- d.Migrate(ctx, nil, m) }()
			}
			for range parallel {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			if p, err := d.Pending(ctx, m); err != nil || len(p) != 0 {
				t.Fatalf("pending after migrate = %v, %v", p, err)
			}
		})
	}
}
