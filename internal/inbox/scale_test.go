package inbox

// The inbox at production scale: a million conversations and ten million
// messages, far beyond `make test`. Build the data once (resumable: run again
// to continue), then benchmark lists, the conversation view and search under
// 100 concurrent requests:
//
//	HEARKEN_INBOX_SCALE_DB=/tmp/inbox.db go test -run TestScaleData -timeout 0 ./internal/inbox/
//	HEARKEN_INBOX_SCALE_DB=/tmp/inbox.db go test -run '^$' -bench BenchmarkScale -benchtime 1x -timeout 0 ./internal/inbox/
//
// HEARKEN_INBOX_SCALE_DB may also be a PostgreSQL URL (an empty database of
// its own); HEARKEN_INBOX_SCALE_CONVERSATIONS sets the size (default
// 1,000,000, about ten messages each). Rows are written with multi-row
// INSERTs in large transactions, not through Ingest (which would take hours),
// but in the shape Ingest stores them: the same columns, sort key and
// search-index text from the same analyzer, with the outbox row of each reply
// and the events a view's activity log shows (created, assigned, each reply
// sent, a finished conversation's status). On PostgreSQL, ANALYZE the
// database before measuring: without statistics the view ran at a quarter
// of its speed.

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearken-org/hearken/internal/auth"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/jobs"
	"github.com/hearken-org/hearken/internal/org"
	"github.com/hearken-org/hearken/internal/people"
	"github.com/hearken-org/hearken/internal/textsearch"
)

const (
	scaleAgents = 40
	scalePeople = 20000
	scaleBatch  = 2000 // conversations per transaction
)

// scaleWords are what people write about, per language; messages are drawn
// from them so that search terms have realistic, uneven frequencies.
var scaleWords = map[string][]string{
	"en": strings.Fields("receipt donation volunteer appointment wheelchair workshop thank you question help food bank saturday schedule tax gift memory mother carer room access form"),
	"fr": strings.Fields("reçu fiscal don bénévolat samedi distribution alimentaire inscription merci rendez-vous aide question atelier accès fauteuil mère mémoire formulaire"),
	"tr": strings.Fields("bağış makbuz randevu gönüllü teşekkürler yardım soru perşembe hastane annem vergi çalıştay erişim tekerlekli sandalye form"),
	"fi": strings.Fields("lahjoitus kuitti vapaaehtoinen ruoka-apu viikonloppu kiitos kysymys joulukeräys yritys tapaaminen työpaja pyörätuoli äiti lomake"),
	"ja": strings.Fields("寄付 領収書 面談 予約 変更 ボランティア 確定申告 お願い 質問 車椅子 講座 母 書類 ありがとうございます"),
	"fa": strings.Fields("کمک مالی رسید مشاوره داوطلب ترجمه فرم سپاس پرسش وقت ویلچر کارگاه مادر یادبود"),
}

var scaleLangs = []string{"en", "fr", "tr", "fi", "ja", "fa"}

func scaleSource(tb testing.TB) string {
	src := os.Getenv("HEARKEN_INBOX_SCALE_DB")
	if src == "" {
		tb.Skip("set HEARKEN_INBOX_SCALE_DB to a database to build or measure (see scale_test.go)")
	}
	return src
}

func scaleSize() int {
	if n, err := strconv.Atoi(os.Getenv("HEARKEN_INBOX_SCALE_CONVERSATIONS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}

// scaleService opens the scale database and an inbox service over it.
func scaleService(tb testing.TB) (*Service, *db.DB) {
	ctx := context.Background()
	d, err := db.Open(ctx, scaleSource(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx, quiet, modules...); err != nil {
		tb.Fatal(err)
	}
	j, err := jobs.New(d, quiet, jobs.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	a := auth.NewService(d)
	s, err := New(d, Config{People: people.New(d, people.Config{}), Jobs: j, Org: org.NewService(d, a), Auditor: a,
		ReplySecret: testSecret, Log: quiet})
	if err != nil {
		tb.Fatal(err)
	}
	return s, d
}

func TestScaleData(t *testing.T) {
	s, d := scaleService(t)
	ctx := sys()
	total := scaleSize()
	count := func(table string) int {
		var n int
		if err := d.Reader.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	a := auth.NewService(d)
	for i := count("users"); i < scaleAgents; i++ {
		if _, err := a.CreateUser(ctx, auth.NewUser{Email: fmt.Sprintf("agent%d@staff.example.org", i), Name: fmt.Sprintf("Agent %d", i), Role: auth.RoleAgent}); err != nil {
			t.Fatal(err)
		}
	}
	var mailbox int64
	if mbs, err := s.Mailboxes(ctx); err == nil && len(mbs) > 0 {
		mailbox = mbs[0].ID
	} else if mb, err := s.CreateMailbox(ctx, MailboxInput{Address: "help@example.org", DisplayName: "Help"}); err != nil {
		t.Fatal(err)
	} else {
		mailbox = mb.ID
	}
	ps := s.cfg.People
	for i := count("people"); i < min(scalePeople, max(100, total/50)); i++ {
		lang := scaleLangs[i%len(scaleLangs)]
		if _, err := ps.CreatePerson(ctx, people.NewPerson{
			PersonInput: people.PersonInput{Kind: people.Individual, DisplayName: fmt.Sprintf("Person %d", i), Language: lang},
			Contacts:    []people.ContactInput{{Kind: people.Email, Value: fmt.Sprintf("p%d@example.net", i), Primary: true}}}); err != nil {
			t.Fatal(err)
		}
	}
	var agents, persons []int64
	for _, q := range []struct {
		sql string
		ids *[]int64
	}{{"SELECT id FROM users ORDER BY id", &agents}, {"SELECT id FROM people ORDER BY id", &persons}} {
		rows, err := d.Reader.QueryContext(ctx, q.sql)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			*q.ids = append(*q.ids, id)
		}
		rows.Close()
	}

	var done, nextMsg int64
	if err := d.Reader.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM inbox_conversations").Scan(&done); err != nil {
		t.Fatal(err)
	}
	if err := d.Reader.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM inbox_messages").Scan(&nextMsg); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	base := time.Now().UTC().Add(-3 * 365 * 24 * time.Hour).Truncate(time.Second)
	for from := int(done); from < total; from += scaleBatch {
		to := min(from+scaleBatch, total)
		err := d.InTx(ctx, func(ctx context.Context) error {
			return scaleBatchInsert(ctx, d, from, to, total, &nextMsg, base, mailbox, agents, persons)
		})
		if err != nil {
			t.Fatal(err)
		}
		if (to/scaleBatch)%25 == 0 || to == total {
			el := time.Since(start)
			t.Logf("%d/%d conversations, %d messages, %.0f conversations/s", to, total, nextMsg, float64(to-int(done))/el.Seconds())
		}
	}
}

// scaleBatchInsert writes conversations from+1…to of total with their
// messages and search rows, spread evenly over three years.
func scaleBatchInsert(ctx context.Context, d *db.DB, from, to, total int, nextMsg *int64, base time.Time, mailbox int64, agents, persons []int64) error {
	rnd := rand.New(rand.NewPCG(uint64(from), 7))
	w := d.W(ctx)
	now := time.Now().UTC().Truncate(time.Second)
	span := now.Sub(base)
	const convCols = 17
	var convs, msgs, search, outbox, events []any
	flush := func(table, cols string, n int, vals *[]any) error {
		rows := len(*vals) / n
		if rows == 0 {
			return nil
		}
		var b strings.Builder
		fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, cols)
		for r := range rows {
			if r > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for c := range n {
				if c > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "$%d", r*n+c+1)
			}
			b.WriteByte(')')
		}
		_, err := w.ExecContext(ctx, d.Rebind(b.String()), *vals...)
		*vals = (*vals)[:0]
		return err
	}
	const (
		convColumns = "id, mailbox_id, subject, person_id, channel, status, priority, assignee_user_id, reference, language, tags, " +
			"first_response_due_at, first_responded_at, last_message_at, last_inbound_at, sort_at, created_at, updated_at"
		msgColumns = "id, conversation_id, mailbox_id, direction, channel, person_id, author_user_id, from_address, from_name, subject, text_body, message_id, dedupe_key, language, created_at, " +
			"sent_at, delivery_status, delivery_attempts, delivered_at"
		msgCols       = 19
		searchColumns = "rowid, body"
		outboxColumns = "message_id, status, attempts, sent_at, created_at, updated_at"
		outboxCols    = 6
		eventColumns  = "conversation_id, kind, actor_user_id, data, created_at"
		eventCols     = 5
	)
	searchCols, msgN, msgColList := searchColumns, msgCols, msgColumns
	if d.Dialect == db.Postgres {
		searchCols = "message_id, body"
	} else {
		// SQLite keeps a conversation's messages together (migration
		// 00012) under a rowkey that InsertMessage assigns.
		msgN, msgColList = msgCols+1, msgColumns+", rowkey"
	}
	// flushAll writes every buffer, parents before the rows that refer to
	// them.
	flushAll := func() error {
		for _, f := range []struct {
			table, cols string
			n           int
			vals        *[]any
		}{{"inbox_conversations", convColumns, convCols + 1, &convs}, {"inbox_messages", msgColList, msgN, &msgs},
			{"inbox_message_search", searchCols, 2, &search}, {"inbox_outbox", outboxColumns, outboxCols, &outbox},
			{"inbox_events", eventColumns, eventCols, &events}} {
			if err := flush(f.table, f.cols, f.n, f.vals); err != nil {
				return err
			}
		}
		return nil
	}
	// A live inbox stores each message when it arrives, so a conversation's
	// messages lie among everyone else's written in the same hours, each on
	// its own page. The batch's messages and events are therefore written in
	// time order across its conversations, not one conversation after
	// another (which would put a thread on one or two pages and flatter
	// every read of it).
	type msgRow struct {
		conv, person, k int
		at              time.Time
		lang, subject   string
		assignee        any
		dir, from, name string
		text            string
	}
	type eventRow struct {
		conv  int
		kind  string
		actor any
		data  string
		sent  int // for a sent event: index of its message in the batch, +1
		at    time.Time
	}
	var mrows []msgRow
	var erows []eventRow
	for i := from + 1; i <= to; i++ {
		lang := scaleLangs[rnd.IntN(len(scaleLangs))]
		words := scaleWords[lang]
		sentence := func(n int) string {
			sep := " "
			if lang == "ja" {
				sep = ""
			}
			parts := make([]string, n)
			for k := range parts {
				// Squared: a few words are common, most are rare, as in real mail.
				f := rnd.Float64()
				parts[k] = words[int(f*f*float64(len(words)))]
			}
			return strings.Join(parts, sep)
		}
		created := base.Add(time.Duration(float64(span) * float64(i) / float64(total+1)))
		person := persons[rnd.IntN(len(persons))]
		subject := sentence(3)
		// Most of the history is finished; the recent part is still open.
		status, assignee := StatusClosed, any(agents[rnd.IntN(len(agents))])
		recent := now.Sub(created) < 30*24*time.Hour
		switch r := rnd.IntN(100); {
		case recent && r < 30:
			status = StatusOpen
		case recent && r < 40:
			status, assignee = StatusNew, nil
		case recent && r < 50:
			status = StatusWaiting
		case r < 60:
			status = StatusResolved
		}
		var due, responded any
		c := Conversation{Status: status}
		dueAt := created.Add(24 * time.Hour)
		if status == StatusNew || status == StatusOpen {
			c.FirstResponseDueAt = &dueAt
			due = dueAt
		} else {
			responded = created.Add(time.Duration(1+rnd.IntN(40)) * time.Hour)
		}
		nmsg := 1 + rnd.IntN(19)
		last := created.Add(time.Duration(nmsg) * time.Hour)
		convs = append(convs, i, mailbox, subject, person, "email", string(status), "normal", assignee, "HK-"+strconv.Itoa(i), lang, "[]",
			due, responded, last, last, c.sortAt(), created, created)
		// The activity a view shows: created, assigned, each reply sent,
		// and the status a finished conversation ended in.
		erows = append(erows, eventRow{conv: i, kind: EventCreated, data: `{"channel":"email","policy":"Default"}`, at: created})
		if assignee != nil {
			erows = append(erows, eventRow{conv: i, kind: EventAssigned, data: fmt.Sprintf(`{"from":0,"to":%d,"by":%q}`, assignee, AssignRoundRobin), at: created.Add(time.Minute)})
		}
		for k := range nmsg {
			m := msgRow{conv: i, person: int(person), k: k, at: created.Add(time.Duration(k) * time.Hour), lang: lang, subject: subject,
				dir: "in", from: fmt.Sprintf("p%d@example.net", person), name: fmt.Sprintf("Person %d", person), text: sentence(20 + rnd.IntN(40))}
			if k%2 == 1 {
				m.dir, m.from, m.name, m.assignee = "out", "help@example.org", "Help", assignee
				erows = append(erows, eventRow{conv: i, kind: EventSent, sent: len(mrows) + 1, at: m.at.Add(time.Second)})
			}
			mrows = append(mrows, m)
		}
		if status == StatusResolved || status == StatusClosed {
			erows = append(erows, eventRow{conv: i, kind: EventStatus, actor: assignee, data: fmt.Sprintf(`{"from":"open","to":%q}`, status), at: last})
		}
		if len(convs) >= (convCols+1)*16 {
			if err := flushAll(); err != nil {
				return err
			}
		}
	}
	if err := flushAll(); err != nil {
		return err
	}
	order := make([]int, len(mrows))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int { return mrows[a].at.Compare(mrows[b].at) })
	ids := make([]int64, len(mrows))
	for _, k := range order {
		m := mrows[k]
		*nextMsg++
		ids[k] = *nextMsg
		// A reply's delivery as the outbox mirrors it onto the message
		// (migration 00010; the trigger then finds nothing to change).
		sent, delivery, attempts, delivered := any(nil), "", 0, any(nil)
		if m.dir == "out" {
			sent, delivery, attempts, delivered = m.at.Add(time.Second), "sent", 1, m.at.Add(time.Second)
			outbox = append(outbox, *nextMsg, "sent", 1, m.at.Add(time.Second), m.at, m.at.Add(time.Second))
		}
		id := fmt.Sprintf("s%d.%d@example.net", m.conv, m.k)
		msgs = append(msgs, *nextMsg, m.conv, mailbox, m.dir, "email", m.person, m.assignee, m.from, m.name, m.subject, m.text, id, id, m.lang, m.at,
			sent, delivery, attempts, delivered)
		if d.Dialect == db.SQLite {
			msgs = append(msgs, m.conv<<20+m.k)
		}
		search = append(search, *nextMsg, textsearch.IndexText(m.subject, m.name, m.from, m.text))
		// Small statements: modernc binds a numbered parameter by a linear
		// name lookup, so a statement's cost grows with the square of its
		// parameters.
		if len(msgs) >= msgN*16 {
			if err := flushAll(); err != nil {
				return err
			}
		}
	}
	if err := flushAll(); err != nil {
		return err
	}
	slices.SortStableFunc(erows, func(a, b eventRow) int { return a.at.Compare(b.at) })
	for _, e := range erows {
		data := e.data
		if e.sent > 0 {
			data = fmt.Sprintf(`{"message_id":%d}`, ids[e.sent-1])
		}
		events = append(events, e.conv, e.kind, e.actor, data, e.at)
		if len(events) >= eventCols*32 {
			if err := flushAll(); err != nil {
				return err
			}
		}
	}
	if err := flushAll(); err != nil {
		return err
	}
	if d.Dialect == db.Postgres {
		for _, seq := range []string{"inbox_conversations", "inbox_messages"} {
			if _, err := w.ExecContext(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s))", seq, seq)); err != nil {
				return err
			}
		}
	}
	return nil
}

// BenchmarkScale measures, on the scale database, what an agent waits for
// while 100 requests run at once (or arrive at HEARKEN_INBOX_SCALE_RATE):
// their own list sorted by due time, the unassigned queue, a conversation
// with its messages, and message search in the six languages. It reports
// p50/p95/p99 per kind.
//
// Each kind first runs HEARKEN_INBOX_SCALE_WARMUP requests (default 10,000;
// 0 for a cold start) that are not measured, as a server that has been up
// a while: a fresh process maps each page of the database file on first
// touch and its first two seconds run at half speed. The view's warm-up
// opens other conversations than those measured, so their rows are as
// cold as a random pick's.
func BenchmarkScale(b *testing.B) {
	s, d := scaleService(b)
	ctx := context.Background()
	var agent, maxConv int64
	if err := d.Reader.QueryRowContext(ctx, "SELECT assignee_user_id FROM inbox_conversations WHERE status = 'open' AND assignee_user_id IS NOT NULL LIMIT 1").Scan(&agent); err != nil {
		b.Fatal("no open assigned conversation; run TestScaleData first: ", err)
	}
	if err := d.Reader.QueryRowContext(ctx, "SELECT max(id) FROM inbox_conversations").Scan(&maxConv); err != nil {
		b.Fatal(err)
	}
	actx := auth.WithActor(ctx, auth.Actor{UserID: agent, Role: auth.RoleAgent})
	recent := max(1, maxConv*30/(3*365)) // created evenly over three years
	var queries []string
	for _, lang := range scaleLangs {
		ws := scaleWords[lang]
		queries = append(queries, ws[0], ws[len(ws)/2], ws[len(ws)-1], ws[1]+" "+ws[3])
		if r := []rune(ws[len(ws)/3]); len(r) > 3 {
			queries = append(queries, string(r[:3])) // typed so far: a prefix
		}
	}
	kinds := []struct {
		name string
		op   func(i int) error
	}{
		{"list_mine", func(int) error {
			_, err := s.ListConversations(actx, Filter{View: ViewMine}, "", 50)
			return err
		}},
		{"list_unassigned", func(int) error {
			_, err := s.ListConversations(actx, Filter{View: ViewUnassigned}, "", 50)
			return err
		}},
		{"list_breaching", func(int) error {
			_, err := s.ListConversations(actx, Filter{View: ViewBreaching}, "", 50)
			return err
		}},
		{"list_filtered", func(int) error {
			_, err := s.ListConversations(actx, Filter{View: ViewUnassigned, Channel: ChannelEmail}, "", 50)
			return err
		}},
		{"view", func(i int) error {
			_, err := s.GetConversation(actx, 1+int64(i*7919)%maxConv)
			return err
		}},
		// What agents mostly open: the last 30 days' conversations (their
		// queues), about 27,000 of the million, whose rows a server that has
		// been up a while holds in its caches; the warm-up opens the same
		// set. "view" is the worst case: any conversation of three years,
		// each read from cold pages.
		{"view_recent", func(i int) error {
			_, err := s.GetConversation(actx, maxConv-int64(i*7919)%recent)
			return err
		}},
		{"search", func(i int) error {
			_, err := s.ListConversations(actx, Filter{View: ViewAll, Q: queries[i%len(queries)]}, "", 50)
			return err
		}},
	}
	concurrency := 100
	if c, err := strconv.Atoi(os.Getenv("HEARKEN_INBOX_SCALE_CONCURRENCY")); err == nil && c > 0 {
		concurrency = c
	}
	// HEARKEN_INBOX_SCALE_RATE (requests/s) turns the closed loop, where each
	// of the workers sends its next request as soon as the last returns (the
	// machine saturated), into arrivals at that rate served by up to
	// concurrency workers at once.
	rate, _ := strconv.ParseFloat(os.Getenv("HEARKEN_INBOX_SCALE_RATE"), 64)
	warmup := 10000
	if w, err := strconv.Atoi(os.Getenv("HEARKEN_INBOX_SCALE_WARMUP")); err == nil && w >= 0 {
		warmup = w
	}
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			n := max(b.N, 2000)
			if r, err := strconv.Atoi(os.Getenv("HEARKEN_INBOX_SCALE_REQUESTS")); err == nil && r > 0 {
				n = r
			}
			// Warm-up requests are numbered after the measured ones (the
			// view's ids i·7919 mod the conversation count differ for
			// every i below it).
			warm := make(chan int, warmup)
			for i := range warmup {
				warm <- n + i
			}
			close(warm)
			var ww sync.WaitGroup
			for range concurrency {
				ww.Go(func() {
					for i := range warm {
						if err := k.op(i); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			ww.Wait()
			lat := make([]time.Duration, n)
			due := make([]time.Time, n) // open loop: when request i was meant to start
			var wg sync.WaitGroup
			next := make(chan int, n)
			b.ResetTimer()
			start := time.Now()
			if rate > 0 {
				// Requests arrive at the rate whether or not earlier ones are
				// done; a request that waits for a free worker counts the
				// wait (no coordinated omission).
				go func() {
					for i := range n {
						due[i] = start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
						time.Sleep(time.Until(due[i]))
						next <- i
					}
					close(next)
				}()
			} else {
				for i := range n {
					next <- i
				}
				close(next)
			}
			for range concurrency {
				wg.Go(func() {
					for i := range next {
						t0 := time.Now()
						if rate > 0 {
							t0 = due[i]
						}
						if err := k.op(i); err != nil {
							b.Error(err)
							return
						}
						lat[i] = time.Since(t0)
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			if k.name == "search" {
				// Which words are slow, for whoever tunes the search next.
				byQuery := map[string][]time.Duration{}
				for i, d := range lat {
					byQuery[queries[i%len(queries)]] = append(byQuery[queries[i%len(queries)]], d)
				}
				for q, ds := range byQuery {
					slices.SortFunc(ds, cmp.Compare)
					b.Logf("%-24q median %6.1f ms  max %6.1f ms", q, float64(ds[len(ds)/2].Microseconds())/1000, float64(ds[len(ds)-1].Microseconds())/1000)
				}
			}
			slices.SortFunc(lat, cmp.Compare)
			pct := func(p float64) float64 { return float64(lat[int(p*float64(n-1))].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.50), "p50_ms")
			b.ReportMetric(pct(0.95), "p95_ms")
			b.ReportMetric(pct(0.99), "p99_ms")
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
