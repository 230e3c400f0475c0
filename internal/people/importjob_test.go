package people_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/db/dbtest"
	"github.com/hearken-org/hearken/internal/jobs"
	"github.com/hearken-org/hearken/internal/people"
)

var jobModules = []db.Module{auth.Module, jobs.Module(), people.Module()}

// jobService is a people service whose imports run on its own job client,
// stopped when the test ends (or earlier, by the test: Stop is idempotent).
func jobService(t *testing.T, d *db.DB, name string) (*people.Service, *jobs.Jobs) {
	t.Helper()
	j, err := jobs.New(d, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{FetchPollInterval: 50 * time.Millisecond, ID: name})
	if err != nil {
		t.Fatal(err)
	}
	s := people.New(d, people.Config{Now: func() time.Time { return testNow }, DefaultRegion: "TR", Jobs: j})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = j.Stop(ctx)
	})
	return s, j
}

func waitImport(t *testing.T, s *people.Service, id int64, done func(people.Import) bool) people.Import {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		imp := must[people.Import](t)(s.GetImport(sys(), id))
		if done(imp) {
			return imp
		}
		if time.Now().After(deadline) {
			t.Fatalf("import stuck: %+v", imp)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestQueueImport runs an import as a job: the file is checked at once (a bad
// file queues nothing), the job imports the rows batch by batch as the user
// who queued it, and one cut short by a restart in the middle of a batch is
// picked up by the next process and resumes after the last committed batch.
func TestQueueImport(t *testing.T) {
	dbtest.Run(t, jobModules, func(t *testing.T, d *db.DB) {
		user := auth.WithActor(context.Background(), auth.Actor{Name: "Importer", Role: auth.RoleAdmin, Label: "api token 9"})
		var b strings.Builder
		b.WriteString("id,name,email\n")
		for i := range 7 {
			b.WriteString(string(rune('a'+i)) + ",Person " + string(rune('A'+i)) + "," + string(rune('a'+i)) + "@example.org\n")
		}
		b.WriteString("h,Bad Row,not-an-email\n")
		file := b.String()

		s1, j1 := jobService(t, d, "first")
		// File-level problems answer at once and leave nothing behind.
		_, err := s1.QueueImport(user, strings.NewReader("\x00\x01\x02garbage"), people.ImportOptions{})
		wantField(t, err, "file", "people.import.binary")
		_, err = s1.QueueImport(user, strings.NewReader(file), people.ImportOptions{Mapping: people.Mapping{"nope": people.FEmail}})
		wantField(t, err, "mapping.nope", "people.import.unknown_column")
		if n := count(t, d, "SELECT count(*) FROM imports"); n != 0 {
			t.Fatalf("a refused file left %d imports", n)
		}
		if n := count(t, d, "SELECT count(*) FROM river_job"); n != 0 {
			t.Fatalf("a refused file left %d jobs", n)
		}
		_, err = s1.QueueImport(as(5, auth.RoleAgent), strings.NewReader(file), people.ImportOptions{})
		wantErr(t, err, "forbidden", "")

		// The first process dies in the middle of the second batch.
		reached, release := make(chan struct{}), make(chan struct{})
		people.SetImportHook(s1, func(batch int) error {
			if batch == 1 {
				close(reached)
				<-release
				return errors.New("killed")
			}
			return nil
		})
		imp := must[people.Import](t)(s1.QueueImport(user, strings.NewReader(file), people.ImportOptions{BatchSize: 3, FileName: "list.csv"}))
		if imp.Status != "queued" || imp.Total != 8 || imp.Processed != 0 || imp.FileName != "list.csv" {
			t.Fatalf("queued: %+v", imp)
		}
		if n := count(t, d, "SELECT count(*) FROM people"); n != 0 {
			t.Fatal("rows imported before the job ran")
		}
		if err := j1.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		<-reached
		stopped := make(chan error, 1)
		go func() { stopped <- j1.Stop(context.Background()) }()
		close(release)
		if err := <-stopped; err != nil {
			t.Fatalf("stop: %v", err)
		}
		imp = must[people.Import](t)(s1.GetImport(user, imp.ID))
		if imp.Status != "queued" || imp.Processed != 3 || imp.Created != 3 {
			t.Fatalf("after the crash: %+v", imp)
		}
		if n := count(t, d, "SELECT count(*) FROM people"); n != 3 {
			t.Fatalf("after the crash: %d people, want the first batch only", n)
		}

		// The next process picks the job up again.
		s2, j2 := jobService(t, d, "second")
		if err := j2.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		imp = waitImport(t, s2, imp.ID, func(i people.Import) bool { return i.Status == "completed" || i.Status == "failed" })
		if imp.Status != "completed" || imp.Processed != 8 || imp.Created != 7 || imp.Failed != 1 || imp.FinishedAt == nil ||
			len(imp.Errors) != 1 || imp.Errors[0].Row != 8 || imp.Errors[0].Key != "people.import.invalid_email" {
			t.Fatalf("resumed: %+v", imp)
		}
		if n := count(t, d, "SELECT count(*) FROM people"); n != 7 {
			t.Fatalf("after resume: %d people", n)
		}
		if n := count(t, d, "SELECT count(*) FROM import_files"); n != 0 {
			t.Fatal("the upload outlived its import")
		}
		// Batches are audited in the name of whoever queued the import.
		if n := count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'person.import.batch' AND actor_label = 'api token 9'"); n != 3 {
			t.Fatalf("batch audits by the importer = %d", n)
		}
	})
}
