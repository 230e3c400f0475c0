package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/hearken-org/hearken/internal/jobs"
)

// cleanupArgs is the hourly housekeeping job: expired sessions and old sign-in
// failure records. It is idempotent, so a repeat around a leader change is harmless.
type cleanupArgs struct{}

func (cleanupArgs) Kind() string { return "maintenance.cleanup" }

type cleanupWorker struct {
	river.WorkerDefaults[cleanupArgs]
	app *App
}

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[cleanupArgs]) error {
	sessions, err := w.app.Sessions.DeleteExpiredSessions(ctx)
	if err != nil {
		return err
	}
	failures, err := w.app.Auth.PruneSigninFailures(ctx)
	if err != nil {
		return err
	}
	w.app.Log.Debug("cleanup", "sessions", sessions, "signin_failures", failures)
	return nil
}

func (a *App) registerMaintenance() {
	jobs.Register(a.Jobs, &cleanupWorker{app: a})
	a.Jobs.AddPeriodic(time.Hour, func() (river.JobArgs, *river.InsertOpts) {
		return cleanupArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
	}, &river.PeriodicJobOpts{RunOnStart: true})
}
