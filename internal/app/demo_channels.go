package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/demo"
	"github.com/hearken-org/hearken/internal/inbox"
)

// demoTopics group the demo's e-mail subjects, so a conversation shows how
// many other people raised the same concern this month.
var demoTopics = []struct {
	name     string
	subjects []string
}{
	{"Tax receipt", []string{"Bağış makbuzu", "Reçu fiscal manquant", "寄付の領収書"}},
	{"Volunteering", []string{"Bénévolat le samedi", "Vapaaehtoistyö", "همکاری داوطلبانه"}},
	{"Appointments", []string{"Randevu değişikliği", "面談の予約について", "درخواست وقت مشاوره"}},
	{"Accessibility", []string{"Wheelchair access for the workshop"}},
}

// demoContacts arrive by the contact form, the phone and social media.
var demoContacts = []inbox.Contact{
	{Channel: inbox.ChannelWeb, ExternalID: "demo-web-1", Name: "Léa Fontaine", Email: "lea.fontaine@example.fr", Language: "fr",
		Subject: "Atelier CV pour les jeunes", Text: "Bonjour, mon fils a 19 ans et cherche son premier emploi. Votre atelier CV est-il ouvert aux jeunes sans inscription ? Merci beaucoup."},
	{Channel: inbox.ChannelWeb, ExternalID: "demo-web-2", Name: "高橋 美咲", Email: "misaki.takahashi@example.jp", Language: "ja",
		Subject: "フードバンクへの食品寄付", Text: "はじめまして。会社で余った缶詰を寄付したいのですが、受け付けていますか。量は段ボール10箱ほどです。"},
	{Channel: inbox.ChannelWeb, ExternalID: "demo-web-3", Name: "سارا کریمی", Email: "sara.karimi@example.ir", Language: "fa",
		Subject: "کلاس زبان برای مادران", Text: "سلام، آیا کلاس زبان برای مادرانی که بچهٔ کوچک دارند، مهدکودک هم دارد؟ ممنون از کار خوبتان."},
	{Channel: inbox.ChannelWeb, ExternalID: "demo-web-4", Name: "Elif Şahin", Email: "elif.sahin@example.com.tr", Language: "tr",
		Subject: "Teşekkürler!", Text: "Geçen hafta annemle ilgilenen gönüllünüz Ayşe Hanım'a çok teşekkür ederim. Çok sabırlı ve nazikti."},
}

// demoCalls are logged by staff; each starts a conversation.
var demoCalls = []inbox.CallInput{
	{Direction: inbox.DirectionIn, DurationSecs: 420, Number: "+358 40 123 4567", Subject: "Ruoka-avun aukioloajat",
		Notes: "Soittaja kysyi ruoka-avun aukioloaikoja joulun aikaan. Lupasin tarkistaa ja soittaa takaisin."},
	{Direction: inbox.DirectionIn, DurationSecs: 180, Number: "+33 6 12 34 56 78", Subject: "Don par virement",
		Notes: "Souhaite faire un don mensuel par virement ; demande nos coordonnées bancaires par écrit."},
	{Direction: inbox.DirectionOut, DurationSecs: 0, Outcome: inbox.CallVoicemail, Number: "+90 532 123 45 67", Subject: "Randevu hatırlatma",
		Notes: "Yarınki randevu için sesli mesaj bırakıldı."},
}

// demoInboxChannelsStep adds what e-mail alone does not show: the contact
// form, calls and social posts, topics shared by several people, agents'
// assignments, promises to get back, an escalation to leadership, and
// conversations waiting on the person or resolved. The e-mail step's
// conversations are 0–72 hours old under a 24-hour policy, so some are
// already breaching.
func (a *App) demoInboxChannelsStep() demo.Step {
	return demo.Step{
		Name: "inbox-channels", Chunk: 1,
		Total: func(demo.Size) int { return 1 },
		Run: func(ctx context.Context, _ *demo.Env, _, _ int) error {
			staff := map[string]int64{}
			for _, s := range demoStaff {
				u, err := a.Auth.GetUserByEmail(ctx, s.Email)
				if err != nil {
					return fmt.Errorf("demo staff %s: %w", s.Email, err)
				}
				staff[s.Locale+":"+string(s.Role)] = u.ID
			}
			for _, c := range demoContacts {
				c.Source = "web_form"
				if _, err := a.Inbox.Receive(ctx, c); err != nil {
					return fmt.Errorf("demo contact form: %w", err)
				}
			}
			now := time.Now().UTC()
			var callConv []int64
			for i, c := range demoCalls {
				c.At = now.Add(-time.Duration(5+i*7) * time.Hour)
				m, err := a.Inbox.StartCall(ctx, c)
				if err != nil {
					return fmt.Errorf("demo call: %w", err)
				}
				callConv = append(callConv, m.ConversationID)
			}
			ch, _, err := a.Inbox.CreateSocialChannel(ctx, inbox.SocialChannelInput{Name: "Instagram", Platform: "instagram"})
			if err != nil {
				return fmt.Errorf("demo social channel: %w", err)
			}
			posts := []inbox.SocialPost{
				{ID: "ig-demo-1", Text: "Harbor Light'ın kış giysisi kampanyası harika! Bağış noktası nerede? 🧥", Kind: "mention", URL: "https://instagram.example/p/demo1"},
				{ID: "ig-demo-2", Text: "Hi! Do you still need volunteers for the Saturday food distribution? I can bring two friends.", Kind: "message"},
			}
			posts[0].Author.Handle, posts[0].Author.Name = "deniz.kaya", "Deniz Kaya"
			posts[1].Author.Handle, posts[1].Author.Name = "sam.okafor", "Sam Okafor"
			for _, p := range posts {
				if _, err := a.Inbox.ReceiveSocial(ctx, ch.ID, p); err != nil {
					return fmt.Errorf("demo social post: %w", err)
				}
			}

			// The e-mail conversations, by subject.
			bySubject := map[string][]inbox.Conversation{}
			cursor := ""
			for {
				page, err := a.Inbox.ListConversations(ctx, inbox.Filter{View: inbox.ViewAll}, cursor, 200)
				if err != nil {
					return err
				}
				for _, c := range page.Items {
					bySubject[c.Subject] = append(bySubject[c.Subject], c)
				}
				if page.Next == "" || len(bySubject) > 200 {
					break
				}
				cursor = page.Next
			}
			for _, t := range demoTopics {
				topic, err := a.Inbox.CreateTopic(ctx, t.name)
				if err != nil {
					return fmt.Errorf("demo topic: %w", err)
				}
				for _, subj := range t.subjects {
					for _, c := range bySubject[subj] {
						if _, err := a.Inbox.SetTopics(ctx, c.ID, []int64{topic.ID}); err != nil {
							return fmt.Errorf("demo topics: %w", err)
						}
					}
				}
			}
			// Agents take the conversations in their languages.
			owners := map[string]int64{"tr": staff["tr:agent"], "fa": staff["fa:agent"], "ja": staff["ja:agent"],
				"fr": staff["fr:manager"], "fi": staff["fi:fundraiser"], "en": staff["en:volunteer_coordinator"]}
			first := func(subject string) (inbox.Conversation, bool) {
				cs := bySubject[subject]
				if len(cs) == 0 {
					return inbox.Conversation{}, false
				}
				return cs[0], true
			}
			for _, cs := range bySubject {
				for i, c := range cs {
					if uid := owners[strings.SplitN(c.Language, "-", 2)[0]]; uid != 0 && i%2 == 0 && c.Channel == inbox.ChannelEmail {
						if _, err := a.Inbox.Assign(ctx, c.ID, uid); err != nil {
							return fmt.Errorf("demo assign: %w", err)
						}
					}
				}
			}
			// Promises to find out and get back.
			promises := []struct {
				subject, text string
				in            time.Duration
				owner         int64
			}{
				{"Reçu fiscal manquant", "Je vérifie avec la comptabilité et je renvoie le reçu d'ici vendredi.", 48 * time.Hour, staff["fi:fundraiser"]},
				{"面談の予約について", "来週の空き時間を確認して、明日までにご連絡します。", 20 * time.Hour, staff["ja:agent"]},
				{"Wheelchair access for the workshop", "Confirm with the venue that the lift works and call Olivia back.", 3 * time.Hour, staff["en:volunteer_coordinator"]},
			}
			for _, p := range promises {
				if c, ok := first(p.subject); ok {
					if _, err := a.Inbox.AddPromise(ctx, c.ID, inbox.PromiseInput{Text: p.text, DueAt: now.Add(p.in), OwnerUserID: p.owner}); err != nil {
						return fmt.Errorf("demo promise: %w", err)
					}
				}
			}
			if len(callConv) > 0 {
				if _, err := a.Inbox.AddPromise(ctx, callConv[0], inbox.PromiseInput{Text: "Tarkista joulun aukioloajat ja soita takaisin.",
					DueAt: now.Add(26 * time.Hour), OwnerUserID: staff["fi:fundraiser"]}); err != nil {
					return fmt.Errorf("demo promise: %w", err)
				}
			}
			if c, ok := first("Wheelchair access for the workshop"); ok {
				if _, err := a.Inbox.Escalate(ctx, c.ID, inbox.EscalationInput{Severity: "high",
					Reason: "Our workshop room has no step-free access; two other people asked this month. Leadership should decide on moving the venue."}); err != nil {
					return fmt.Errorf("demo escalation: %w", err)
				}
			}
			// Some wait for the person, some are done.
			for subject, status := range map[string]inbox.Status{"Lahjoitus yrityksen nimissä": inbox.StatusWaiting,
				"Gift in memory of my mother": inbox.StatusResolved, "Randevu değişikliği": inbox.StatusWaiting} {
				if c, ok := first(subject); ok {
					if _, err := a.Inbox.SetStatus(ctx, c.ID, status); err != nil {
						return fmt.Errorf("demo status: %w", err)
					}
				}
			}
			return nil
		},
	}
}
