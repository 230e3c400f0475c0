package inbox

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/textsearch"
)

type listCursor struct {
	T  time.Time `json:"t"`
	ID int64     `json:"i"`
	// Whole: a search page of whole words (see ListConversations); its later
	// pages stay whole words.
	Whole bool `json:"w,omitempty"`
}

func encodeCursor(c listCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (listCursor, error) {
	c := listCursor{T: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)}
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		return c, apperr.Invalid().Field("cursor", "inbox.error.cursor")
	}
	c.T = c.T.UTC()
	return c, nil
}

// viewStatuses are the statuses each view shows unless Filter.Status is set.
var viewStatuses = map[View]string{
	ViewMine:       ",new,open,waiting,",
	ViewUnassigned: ",new,open,",
	ViewTeam:       ",new,open,waiting,",
	ViewWaiting:    ",waiting,",
	ViewAll:        ",new,open,waiting,resolved,closed,",
}

// engineSyntax renders a parsed query for each engine's SearchConversations.
var engineSyntax = map[db.Dialect]func(textsearch.Query) string{
	db.SQLite:   textsearch.Query.FTS5,
	db.Postgres: textsearch.Query.TSQuery,
}

// ListConversations returns a page of a view, most urgent first: by the
// earliest running deadline, then those with no clock running, by age, then
// the resolved and closed ones. Q searches the messages' subjects, senders,
// text and file names.
func (s *Service) ListConversations(ctx context.Context, f Filter, cursor string, limit int) (page Page[Conversation], err error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return Page[Conversation]{}, err
	}
	// One connection per page, taken in turn (db.InReadConn): what an agent
	// waits for under load is the queue, and a fair one keeps the slowest
	// close to the average. A search sets PostgreSQL's plan options for
	// its own transaction, below.
	read := s.db.InReadConn
	if f.Q != "" {
		read = s.db.InReadTx
	}
	err = read(ctx, func(ctx context.Context) error {
		if f.Q != "" && s.db.Dialect == db.Postgres {
			// Plan each search for its words (a prepared statement's
			// generic plan cannot tell a common word from an absent one);
			// SearchCandidates' branch for older matches rarely runs, but
			// its estimate would start parallel workers and JIT compilation
			// (300 ms) for every search. LOCAL: this read transaction only.
			for _, set := range []string{"SET LOCAL plan_cache_mode = force_custom_plan",
				"SET LOCAL max_parallel_workers_per_gather = 0", "SET LOCAL jit = off"} {
				if _, err := s.db.R(ctx).ExecContext(ctx, set); err != nil {
					return err
				}
			}
		}
		page, err = s.listConversations(ctx, f, cursor, limit)
		return err
	})
	return page, err
}

func (s *Service) listConversations(ctx context.Context, f Filter, cursor string, limit int) (Page[Conversation], error) {
	if f.View == "" {
		f.View = ViewAll
	}
	if f.extended() {
		return s.listWorkspace(ctx, f, cursor, limit)
	}
	statuses, ok := viewStatuses[f.View]
	if !ok {
		return Page[Conversation]{}, apperr.Invalid().Field("view", "inbox.error.view")
	}
	if f.Status != "" {
		if !f.Status.valid() {
			return Page[Conversation]{}, apperr.Invalid().Field("status", "inbox.error.status")
		}
		statuses = "," + string(f.Status) + ","
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	cur, err := decodeCursor(cursor)
	if err != nil {
		return Page[Conversation]{}, err
	}
	me := actorID(ctx)
	assignee, team := f.scope(me)
	args := []any{statuses, assignee, team, me, cur.T, cur.ID, limit + 1}
	if pq := textsearch.ParseQuery(f.Q); !pq.Empty() {
		return s.searchConversations(ctx, f.Q, pq, cursor, cur, limit, args)
	}
	query := "ListConversations"
	args = append(args, sortUntil(statuses))
	switch {
	case assignee > 0 && team == 0:
		query, args = "ListAssigned", []any{statuses, assignee, cur.T, cur.ID, limit + 1, sortUntil(statuses)}
	case assignee == -1 && team == 0:
		query, args = "ListUnassigned", []any{statuses, cur.T, cur.ID, limit + 1, sortUntil(statuses)}
	}
	return s.conversationPage(ctx, limit, func(_ *Conversation, sortAt time.Time) time.Time { return sortAt }, query, args...)
}

// GetConversation returns a conversation with its messages in order
// (attachment metadata included) and its events.
func (s *Service) GetConversation(ctx context.Context, id int64) (ConversationDetail, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return ConversationDetail{}, err
	}
	var d ConversationDetail
	// One connection, taken in turn (see ListConversations), and the three
	// reads in one round trip on PostgreSQL.
	err := s.db.InReadConn(ctx, func(ctx context.Context) error {
		found, attached := false, false
		err := s.q.Batch(ctx,
			db.BatchRead{Name: "GetConversation", Args: []any{id}, Read: func(r db.Rows) (err error) {
				if found = r.Next(); found {
					d.Conversation, err = scanFullConversation(r)
				}
				return err
			}},
			db.BatchRead{Name: "ConversationMessages", Args: []any{id}, Read: func(r db.Rows) (err error) {
				d.Messages, attached, err = readMessages(r)
				return err
			}},
			db.BatchRead{Name: "ListEvents", Args: []any{id}, Read: func(r db.Rows) (err error) {
				d.Events, err = db.ReadAll(r, scanEvent)
				return err
			}})
		switch {
		case err != nil:
			return err
		case !found:
			return apperr.NotFound("inbox.error.conversation_not_found")
		case attached:
			if err := s.attach(ctx, id, d.Messages); err != nil {
				return err
			}
		}
		return s.fillAuthorNames(ctx, d.Messages)
	})
	return d, err
}

// Attachment returns an attachment's metadata and bytes (nil when the file
// was too large to keep).
func (s *Service) Attachment(ctx context.Context, id int64) (Attachment, []byte, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return Attachment{}, nil, err
	}
	a, err := scanAttachment(s.q.QueryRow(ctx, "GetAttachment", id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, nil, apperr.NotFound("inbox.error.attachment_not_found")
	}
	if err != nil || a.BlobKey == "" {
		return a, nil, err
	}
	data, err := s.cfg.Blobs.Get(ctx, a.BlobKey)
	return a, data, err
}

// RawMessage returns the .eml of an inbound message as received.
func (s *Service) RawMessage(ctx context.Context, messageID int64) ([]byte, error) {
	if err := auth.Require(ctx, auth.PermInboxView); err != nil {
		return nil, err
	}
	m, err := s.message(ctx, messageID)
	if err != nil {
		return nil, err
	}
	if m.RawBlob == "" {
		return nil, apperr.NotFound("inbox.error.raw_not_kept")
	}
	return s.cfg.Blobs.Get(ctx, m.RawBlob)
}

// searchConversations runs a search page. The last word typed is a prefix,
// but a prefix of a common word expands, in a large inbox, to millions of
// indexed rows before the newest candidates can be picked. So a first page
// tries the words as typed first and keeps that when it fills more than a
// page (its cursor then continues with whole words); otherwise, or when the
// words as typed are the prefix query already, the prefix search answers.
// On PostgreSQL one walk of the newest messages finds both forms' candidates
// (typedCandidates).
func (s *Service) searchConversations(ctx context.Context, q string, pq textsearch.Query, cursor string, cur listCursor,
	limit int, args []any) (Page[Conversation], error) {
	render := engineSyntax[s.db.Dialect]
	key := func(_ *Conversation, sortAt time.Time) time.Time { return sortAt }
	page := func(arg string) (Page[Conversation], error) {
		return s.conversationPage(ctx, limit, key, "SearchConversations", append(args[:len(args):len(args)], arg)...)
	}
	search := func(match string) (Page[Conversation], error) {
		arg, err := s.searchArg(ctx, match)
		if err != nil {
			return Page[Conversation]{}, err
		}
		return page(arg)
	}
	byPrefix := func() (Page[Conversation], error) {
		epq, err := s.expandPrefixes(ctx, pq)
		if err != nil {
			return Page[Conversation]{}, err
		}
		return search(render(epq))
	}
	whole := render(textsearch.ParseQuery(q + " "))
	if whole == render(pq) || (cursor != "" && !cur.Whole) {
		return byPrefix()
	}
	wholePage := func() (Page[Conversation], error) { return search(whole) }
	if s.db.Dialect == db.Postgres {
		// Every page of a typed search from the same candidates: the next
		// page of whole words continues where the first left off.
		prefixArg, wholeArg, err := s.typedCandidates(ctx, render(pq), whole)
		if err != nil {
			return Page[Conversation]{}, err
		}
		wholePage = func() (Page[Conversation], error) { return page(wholeArg) }
		byPrefix = func() (Page[Conversation], error) { return page(prefixArg) }
	}
	p, err := wholePage()
	if err != nil || (cursor == "" && p.Next == "") {
		if err != nil {
			return p, err
		}
		return byPrefix()
	}
	if p.Next != "" {
		next, _ := decodeCursor(p.Next)
		next.Whole = true
		p.Next = encodeCursor(next)
	}
	return p, nil
}

// typedCandidates returns, as SearchConversations takes them, PostgreSQL's
// candidate messages for a typed search: those of the prefix query and,
// among them, those that match the words as typed.
func (s *Service) typedCandidates(ctx context.Context, prefix, whole string) (prefixArg, wholeArg string, err error) {
	all, typed, err := s.candidates(ctx, prefix, whole)
	if err != nil {
		return "", "", err
	}
	return jsonIDs(all), jsonIDs(typed), nil
}

// candidates runs SearchCandidates: the messages matching match, and those
// of them that also match typed ("" for none).
func (s *Service) candidates(ctx context.Context, match, typed string) (all, alsoTyped []int64, err error) {
	type candidate struct {
		id    int64
		typed bool
	}
	var found []candidate
	err = s.q.Batch(ctx, db.BatchRead{Name: "SearchCandidates", Args: []any{match, searchRecentWindow, typed},
		Read: func(r db.Rows) (err error) {
			found, err = db.ReadAll(r, func(r db.Scanner) (c candidate, err error) {
				err = r.Scan(&c.id, &c.typed)
				return c, err
			})
			return err
		}})
	all, alsoTyped = make([]int64, 0, len(found)), []int64{}
	for _, c := range found {
		all = append(all, c.id)
		if c.typed {
			alsoTyped = append(alsoTyped, c.id)
		}
	}
	return all, alsoTyped, err
}

// jsonIDs is ids as the JSON array the PostgreSQL queries take.
func jsonIDs(ids []int64) string {
	b, _ := json.Marshal(ids) // a slice of numbers always encodes
	return string(b)
}

// searchArg is what the search queries take for a rendered query: SQLite's
// FTS5 expression as it is, PostgreSQL's candidate messages (SearchCandidates,
// one definition for the search and the workspace's lists) as a JSON array.
func (s *Service) searchArg(ctx context.Context, match string) (string, error) {
	if s.db.Dialect != db.Postgres {
		return match, nil
	}
	ids, _, err := s.candidates(ctx, match, "")
	if err != nil {
		return "", err
	}
	return jsonIDs(ids), nil
}

// searchRecentWindow is how many of the newest messages PostgreSQL's search
// walks for matches before it asks the GIN index for older ones (see
// SearchConversations); a variable for the test that crosses it.
var searchRecentWindow int64 = 100_000

// maxPrefixWords bounds the indexed words a typed prefix is matched as; a
// prefix that stands for more stays a prefix query.
const maxPrefixWords = 32

// expandPrefixes replaces the prefix of the last word typed by the indexed
// words it stands for, when there are few (SQLite: FTS5 merges the whole
// doclist of every word a prefix matches before returning a row, which took
// 100 ms and more over ten million messages, while whole words are read
// newest first and stop at the candidate limit).
func (s *Service) expandPrefixes(ctx context.Context, pq textsearch.Query) (textsearch.Query, error) {
	if s.db.Dialect != db.SQLite {
		return pq, nil
	}
	words := map[string][]string{}
	for _, p := range pq.Prefixes() {
		ws, err := s.prefixWords(ctx, p)
		if err != nil {
			return pq, err
		}
		if ws != nil {
			words[p] = ws
		}
	}
	return pq.Expand(words), nil
}

// prefixWords returns the indexed words that start with p (none: empty, not
// nil), or nil when there are more than maxPrefixWords.
func (s *Service) prefixWords(ctx context.Context, p string) ([]string, error) {
	ws := []string{}
	from := p
	for {
		var w string
		err := s.q.QueryRow(ctx, "SearchWordFrom", from).Scan(&w)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !strings.HasPrefix(w, p)) {
			return ws, nil
		}
		if err != nil {
			return nil, err
		}
		if len(ws) == maxPrefixWords {
			return nil, nil
		}
		ws = append(ws, w)
		// Indexed words hold no spaces: the next word after w is at or
		// after w + " ".
		from = w + " "
	}
}
