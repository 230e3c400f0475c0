package jobs

import (
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// metrics are fed from River's event stream rather than a worker middleware:
// only the events know the state River actually settled on (a failed attempt
// may be retried, discarded or cancelled).
type metrics struct {
	completed *prometheus.CounterVec
	retried   *prometheus.CounterVec
	failed    *prometheus.CounterVec
	cancelled *prometheus.CounterVec
	duration  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		completed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearken_jobs_completed_total", Help: "Jobs that ran successfully, by kind.",
		}, []string{"kind"}),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearken_jobs_retried_total", Help: "Job attempts that failed and will be retried, by kind.",
		}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearken_jobs_failed_total", Help: "Jobs that failed for good (attempts exhausted), by kind.",
		}, []string{"kind"}),
		cancelled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearken_jobs_cancelled_total", Help: "Jobs cancelled while running, by kind.",
		}, []string{"kind"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hearken_job_duration_seconds",
			Help:    "Time one job attempt spent in its worker, by kind.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"kind"}),
	}
	if reg == nil {
		return m, nil
	}
	// Several Jobs may share one registry (tests, or two clients in a process):
	// they then share the collectors already there.
	var err error
	m.completed = register(reg, m.completed, &err)
	m.retried = register(reg, m.retried, &err)
	m.failed = register(reg, m.failed, &err)
	m.cancelled = register(reg, m.cancelled, &err)
	m.duration = register(reg, m.duration, &err)
	return m, err
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C, errp *error) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		*errp = errors.Join(*errp, err)
	}
	return c
}

var metricEvents = []river.EventKind{
	river.EventKindJobCompleted,
	river.EventKindJobFailed,
	river.EventKindJobCancelled,
}

// run consumes events until the channel closes or ctx ends.
func (m *metrics) run(ctx context.Context, events <-chan *river.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			m.observe(ev)
		}
	}
}

func (m *metrics) observe(ev *river.Event) {
	if ev.Job == nil {
		return
	}
	kind := ev.Job.Kind
	switch ev.Kind {
	case river.EventKindJobCompleted:
		m.completed.WithLabelValues(kind).Inc()
	case river.EventKindJobCancelled:
		m.cancelled.WithLabelValues(kind).Inc()
	case river.EventKindJobFailed:
		if ev.Job.State == rivertype.JobStateDiscarded {
			m.failed.WithLabelValues(kind).Inc()
		} else {
			m.retried.WithLabelValues(kind).Inc()
		}
	default:
		return
	}
	if ev.JobStats != nil {
		m.duration.WithLabelValues(kind).Observe(ev.JobStats.RunDuration.Seconds())
	}
}
