package app

import (
	"context"
	"fmt"
	"mime"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/demo"
	"github.com/hearken-org/hearken/internal/inbox"
)

// demoMail is one kind of message people send, written in its own language.
type demoMail struct {
	lang, from, subject, body, reply string
}

// demoMails are what a community-care organization hears every week: clients,
// volunteers and donors, in the six languages, with a follow-up for some.
var demoMails = []demoMail{
	{"tr", "Zeynep Arslan", "Randevu değişikliği", "Merhaba, perşembe günkü randevumu gelecek haftaya alabilir miyiz? Annem hastanede. Teşekkürler, Zeynep", "Bir de: sabah saatleri benim için daha uygun."},
	{"tr", "Emre Koç", "Bağış makbuzu", "İyi günler, geçen ay yaptığım bağışın makbuzunu vergi için alabilir miyim?", ""},
	{"fr", "Camille Dubois", "Bénévolat le samedi", "Bonjour, je souhaiterais aider à la distribution alimentaire le samedi matin. Comment m'inscrire ? Merci, Camille", "Je suis aussi disponible le dimanche si besoin."},
	{"fr", "Julien Moreau", "Reçu fiscal manquant", "Bonjour, je n'ai pas reçu mon reçu fiscal pour mon don de décembre. Pouvez-vous me le renvoyer ?", ""},
	{"fi", "Aino Korhonen", "Vapaaehtoistyö", "Hei! Haluaisin tulla vapaaehtoiseksi ruoka-apuun. Olen vapaana viikonloppuisin. Kiitos, Aino", ""},
	{"fi", "Mikko Nieminen", "Lahjoitus yrityksen nimissä", "Hei, yrityksemme haluaisi tukea joulukeräystä. Kenen kanssa voimme sopia yksityiskohdista?", "Lisätieto: summa olisi noin 5 000 euroa."},
	{"ja", "山田 花子", "面談の予約について", "いつもお世話になっております。来週の面談の時間を変更していただくことは可能でしょうか。よろしくお願いいたします。", "火曜日の午後でしたら伺えます。"},
	{"ja", "佐藤 健", "寄付の領収書", "先月の寄付の領収書を再発行していただけますか。確定申告に必要です。", ""},
	{"fa", "مریم رضایی", "درخواست وقت مشاوره", "سلام، می\u200cخواهم برای پسرم وقت مشاوره بگیرم. چه روزهایی امکان دارد؟ با تشکر، مریم", "ساعت\u200cهای بعد از ظهر برای ما بهتر است."},
	{"fa", "علی احمدی", "همکاری داوطلبانه", "سلام، من مترجم هستم و می\u200cتوانم در ترجمهٔ فرم\u200cها کمک کنم. لطفاً راهنمایی کنید.", ""},
	{"en", "Olivia Bennett", "Wheelchair access for the workshop", "Hi, I'm coming to the Thursday workshop. Is the room wheelchair accessible? Thanks, Olivia", "Also, may I bring my carer?"},
	{"en", "James O'Connor", "Gift in memory of my mother", "Hello, I'd like to make a gift in memory of my mother, who volunteered with you for years. How do I do that?", ""},
}

// demoInboxStep fills the shared inbox through the real ingest path, so the demo
// shows threads, acknowledgements and response deadlines as production would.
func (a *App) demoInboxStep() demo.Step {
	const mailbox = "help@demo.hearken.org"
	return demo.Step{
		Name: "conversations", Chunk: 200,
		Total: func(size demo.Size) int {
			if size == demo.Large {
				return 50000
			}
			return 2 * len(demoMails)
		},
		Run: func(ctx context.Context, env *demo.Env, from, to int) error {
			if from == 0 {
				if _, err := a.Inbox.CreateMailbox(ctx, inbox.MailboxInput{Address: mailbox, DisplayName: "Harbor Light"}); err != nil {
					return err
				}
			}
			rnd := env.Rand("conversations", from)
			base := time.Now().UTC().Add(-72 * time.Hour)
			for i := from; i < to; i++ {
				m := demoMails[i%len(demoMails)]
				sender := fmt.Sprintf("%s.%d@example.%s", strings.ToLower(m.lang), i/len(demoMails), map[string]string{"tr": "com.tr", "fr": "fr", "fi": "fi", "ja": "jp", "fa": "ir", "en": "org"}[m.lang])
				at := base.Add(time.Duration(rnd.IntN(72*60)) * time.Minute)
				id := fmt.Sprintf("<demo-%d@%s>", i, strings.SplitN(sender, "@", 2)[1])
				if _, err := a.Inbox.Ingest(ctx, demoRaw(m.from, sender, mailbox, m.subject, m.body, id, "", at), inbox.Envelope{From: sender, To: []string{mailbox}}); err != nil {
					return err
				}
				if m.reply != "" && i%2 == 0 { // a follow-up in the same thread
					reid := fmt.Sprintf("<demo-%d-re@%s>", i, strings.SplitN(sender, "@", 2)[1])
					if _, err := a.Inbox.Ingest(ctx, demoRaw(m.from, sender, mailbox, "Re: "+m.subject, m.reply, reid, id, at.Add(40*time.Minute)), inbox.Envelope{From: sender, To: []string{mailbox}}); err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
}

func demoRaw(name, from, to, subject, body, msgID, inReplyTo string, at time.Time) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s <%s>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: %s\r\n",
		mime.QEncoding.Encode("utf-8", name), from, to, mime.QEncoding.Encode("utf-8", subject), at.Format(time.RFC1123Z), msgID)
	if inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: %s\r\nReferences: %s\r\n", inReplyTo, inReplyTo)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(body)
	b.WriteString("\r\n")
	return []byte(b.String())
}
