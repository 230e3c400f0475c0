package people

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/riverqueue/river"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
)

// importArgs is the job that imports a queued file. Actor is who queued it:
// the rows are created and audited in their name.
type importArgs struct {
	ImportID int64      `json:"import_id"`
	Actor    auth.Actor `json:"actor"`
}

func (importArgs) Kind() string { return "people.import" }

const (
	// importAttempts bounds the retries of an import job: each resumes after
	// the last committed batch.
	importAttempts = 10
	// importTimeout bounds one attempt (a million rows take about 10 min on
	// SQLite); River rescues an attempt lost in a crash after an hour.
	importTimeout = 45 * time.Minute
)

type importWorker struct {
	river.WorkerDefaults[importArgs]
	s *Service
}

func (w *importWorker) Timeout(*river.Job[importArgs]) time.Duration { return importTimeout }

// NextRetry resumes soon: an attempt is most often cut short by a restart.
func (w *importWorker) NextRetry(job *river.Job[importArgs]) time.Time {
	return time.Now().Add(time.Duration(job.Attempt) * 2 * time.Second)
}

func (w *importWorker) Work(ctx context.Context, job *river.Job[importArgs]) error {
	ctx = auth.WithActor(ctx, job.Args.Actor)
	err := w.s.workImport(ctx, job.Args.ImportID)
	if err == nil {
		return nil
	}
	var e *apperr.Error
	final := job.Attempt >= job.MaxAttempts || errors.As(err, &e)
	status := "queued" // until the retry picks it up
	if final {
		status = "failed"
	}
	_ = w.s.db.InTx(context.WithoutCancel(ctx), func(ctx context.Context) error {
		if final {
			if _, err := w.s.q.Exec(ctx, "DeleteImportFile", job.Args.ImportID); err != nil {
				return err
			}
			_, err := w.s.q.Exec(ctx, "FinishImport", job.Args.ImportID, status, w.s.now())
			return err
		}
		_, err := w.s.q.Exec(ctx, "SetImportStatus", job.Args.ImportID, status)
		return err
	})
	if e != nil {
		return river.JobCancel(err) // the file itself is wrong: retrying cannot help
	}
	return err
}

// QueueImport checks a file (encoding, separator, mapping: the file-level
// problems, not the rows) and queues its import as a background job: the
// file, the import and the job are stored in one transaction, so the import
// exists exactly when its job does. GetImport reports its status (queued,
// running, completed, failed), progress batch by batch and bad rows. Batches
// are all-or-nothing; a job cut short (a restart, a crash) resumes after the
// last committed batch.
func (s *Service) QueueImport(ctx context.Context, r io.Reader, opts ImportOptions) (Import, error) {
	if err := requirePerm(ctx, permImport); err != nil {
		return Import{}, err
	}
	if s.cfg.Jobs == nil {
		return Import{}, errors.New("people: QueueImport needs Config.Jobs")
	}
	data, err := readLimited(r)
	if err != nil {
		return Import{}, err
	}
	pf, err := s.parseFile(ctx, bytes.NewReader(data), opts)
	if err != nil {
		return Import{}, err
	}
	actor, _ := auth.ActorFrom(ctx)
	optsJSON, _ := json.Marshal(pf.opts)
	var id int64
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.q.QueryRowW(ctx, "InsertQueuedImport", opts.FileName, pf.hash, string(optsJSON), len(pf.rows),
			nullInt(actorID(ctx)), s.now()).Scan(&id); err != nil {
			return err
		}
		if _, err := s.q.Exec(ctx, "InsertImportFile", id, data); err != nil {
			return err
		}
		if _, err := s.cfg.Jobs.Enqueue(ctx, importArgs{ImportID: id, Actor: actor}, &river.InsertOpts{MaxAttempts: importAttempts}); err != nil {
			return err
		}
		return s.audit(ctx, "person.import.start", "import", id, map[string]any{"file": opts.FileName, "rows": len(pf.rows)})
	})
	if err != nil {
		return Import{}, err
	}
	return s.GetImport(ctx, id)
}

// workImport runs (or resumes) a queued import.
func (s *Service) workImport(ctx context.Context, id int64) error {
	imp, hash, optsJSON, err := s.getImport(ctx, id)
	if err != nil {
		return err
	}
	if imp.Status == "completed" || imp.Status == "failed" {
		return nil
	}
	var data []byte
	if err := s.q.QueryRow(ctx, "GetImportFile", id).Scan(&data); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fileError("people.import.different_file")
		}
		return err
	}
	var opts ImportOptions
	if err := json.Unmarshal(optsJSON, &opts); err != nil {
		return fmt.Errorf("import %d options: %w", id, err)
	}
	pf, err := s.parseFile(ctx, bytes.NewReader(data), opts)
	if err != nil {
		return err
	}
	if pf.hash != hash {
		return fileError("people.import.different_file")
	}
	if _, err := s.q.Exec(ctx, "SetImportStatus", id, "running"); err != nil {
		return err
	}
	_, err = s.importRows(ctx, id, pf, imp.Processed)
	return err
}
