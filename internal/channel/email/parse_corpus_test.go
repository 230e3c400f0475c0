package email

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// corpusCase is what a corpus file must parse to. Text snippets are checked
// with Contains; notText with !Contains.
type corpusCase struct {
	file      string
	subject   string
	fromName  string
	fromEmail string
	text      []string
	notText   []string
	atts      []string // filenames, in order
	auto      AutoKind
	check     func(t *testing.T, m *Message) // extra, file-specific checks
}

var corpusCases = []corpusCase{
	{
		file: "01-utf8-plain-fr.eml", subject: "Question sur l’adhésion",
		fromName: "Claire Martin", fromEmail: "claire.martin@exemple.fr",
		text: []string{"réduction d’impôt. Où puis-je trouver les statuts ?"},
	},
	{
		file: "02-iso-2022-jp.eml", subject: "お問い合わせ：寄付の領収書について",
		fromName: "山田 花子", fromEmail: "hanako.yamada@example.jp",
		text: []string{"昨年の寄付の領収書を再発行していただけますか。"},
	},
	{
		file: "03-shift_jis.eml", subject: "ボランティア登録の確認",
		fromName: "佐藤 太郎", fromEmail: "taro.sato@example.co.jp",
		text: []string{"手続きを教えてください。", "①土曜日", "（ﾃｽﾄ）"},
	},
	{
		file: "04-euc-jp.eml", subject: "イベントの日程変更のお知らせ",
		fromName: "鈴木 一郎", fromEmail: "ichiro.suzuki@example.ne.jp",
		text: []string{"十四時開始に変更になりました。"},
	},
	{
		file: "05-iso-8859-1-fr.eml", subject: "Demande de reçu fiscal pour l'année 2023",
		fromName: "Élodie Lefèvre", fromEmail: "elodie.lefevre@exemple.fr",
		// ’ is Windows-1252 0x92 in a part labelled ISO-8859-1
		text: []string{"Pourriez-vous m’envoyer le reçu fiscal", "Je n’ai rien reçu à ce jour."},
	},
	{
		file: "06-iso-8859-9-tr.eml", subject: "Bağış makbuzu hakkında",
		fromName: "Ayşe Yılmaz", fromEmail: "ayse.yilmaz@example.com.tr",
		text: []string{"Geçen ay yaptığım bağışın makbuzunu alamadım."},
	},
	{
		file: "07-iso-8859-15-fi.eml", subject: "Lahjoitus 50 € ja kuitti",
		fromName: "Matti Järvinen", fromEmail: "matti.jarvinen@example.fi",
		text: []string{"Lahjoitin 50 € viime viikolla", "sähköpostiini"},
	},
	{
		file: "08-windows-1252-fr.eml", subject: "Inscription à l’atelier",
		fromName: "François Dubœuf", fromEmail: "f.duboeuf@exemple.fr",
		text: []string{"« Bénévolat »", "15 € est-il", "Mon cœur", "“Merci” d’avance"},
	},
	{
		file: "09-windows-1254-tr.eml", subject: "Gönüllü başvurusu",
		fromName: "Mehmet Öztürk", fromEmail: "mehmet.ozturk@example.com.tr",
		text: []string{"Derneğinizde gönüllü olarak çalışmak istiyorum."},
	},
	{
		file: "10-windows-1256-fa.eml", subject: "درخواست رسيد کمک مالي",
		fromName: "مريم احمدي", fromEmail: "maryam.ahmadi@example.ir",
		text: []string{"لطفاً رسيد کمک مالي ماه گذشته را براي من ارسال کنيد."},
	},
	{
		file: "11-koi8-r-ru.eml", subject: "Вопрос о пожертвовании",
		fromName: "Иван Петров", fromEmail: "ivan.petrov@example.ru",
		text: []string{"можно ли оформить ежемесячное пожертвование?"},
	},
	{
		file: "12-unknown-charset.eml", subject: "Café crème",
		fromName: "Bob", fromEmail: "bob@example.net",
		text: []string{"un café crème pour l'équipe ?"},
		check: func(t *testing.T, m *Message) {
			if len(m.Warnings) == 0 || !strings.Contains(m.Warnings[0], "x-mac-klingon") {
				t.Errorf("warnings = %q, want the unknown charset named", m.Warnings)
			}
		},
	},
	{
		file: "13-no-charset-8bit-utf8.eml", subject: "Etkinlik kaydı",
		fromName: "Zeynep Kaya", fromEmail: "zeynep@example.com.tr",
		text: []string{"cumartesi günkü etkinliğe iki kişi katılacağız"},
	},
	{
		file: "14-encoded-words.eml", subject: "Re: Café et お問い合わせ / şık / привет",
		fromName: "Zeynep Çelik", fromEmail: "ZEYNEP.Celik@example.com.tr",
		text: []string{"Encoded-word test"},
		check: func(t *testing.T, m *Message) {
			want := []Address{
				{"Équipe", "help@example.org"},
				{"Doe, John", "john@example.org"},
				{"Aino Virtanen", "aino@example.fi"},
			}
			if !slices.Equal(m.To, want) {
				t.Errorf("To = %+v, want %+v", m.To, want)
			}
			if len(m.Cc) != 0 {
				t.Errorf("Cc = %+v, want none (empty group)", m.Cc)
			}
		},
	},
	{
		file: "15-rfc2231-filenames.eml", subject: "Documents pour le dossier",
		fromName: "Camille Bernard", fromEmail: "camille.bernard@exemple.fr",
		text: []string{"voici les pièces jointes demandées"},
		atts: []string{
			"reçu fiscal 2023.pdf",
			"Отчёт о пожертвованиях за 2024 год.xlsx",
			"déclaration.odt",
			"bağış_makbuzu.pdf",
			"lahjoitus_kuitti_äö.pdf",
			"attachment-6.png",
		},
		check: func(t *testing.T, m *Message) {
			if a := m.Attachments[0]; a.ContentType != "application/pdf" || !strings.HasPrefix(string(a.Data), "%PDF-1.4") || a.Size != int64(len(a.Data)) {
				t.Errorf("first attachment = %s %q size %d", a.ContentType, a.Data, a.Size)
			}
		},
	},
	{
		file: "16-html-only-fa.eml", subject: "گزارش ماهانه داوطلبان",
		fromName: "ایمان رضایی", fromEmail: "iman.rezaei@example.ir",
		text:    []string{"گزارش ماهانه\n\nبا سلام،\nاز همراهی شما سپاسگزاریم.", "- ۱۲۰ داوطلب جدید", "اینجا (https://example.org/report?id=9)"},
		notText: []string{"alert", "font-family", "پیش\u200cنمایش مخفی", "خبرنامه"},
		check: func(t *testing.T, m *Message) {
			if !strings.Contains(m.HTML, `<html dir="rtl" lang="fa">`) {
				t.Errorf("HTML not kept raw: %.80q", m.HTML)
			}
			s := SanitizeHTML(m.HTML, false)
			if strings.Contains(s, "script") || strings.Contains(s, ` src="https://tracker`) || !strings.HasPrefix(s, `<div dir="rtl">`) || !strings.Contains(s, `data-blocked-src="https://tracker.example.com/open.gif"`) {
				t.Errorf("sanitized HTML = %s", s)
			}
		},
	},
	{
		file: "17-nested-mixed-alt-related.eml", subject: "Kuvia tapahtumasta",
		fromName: "Aino Virtanen", fromEmail: "aino.virtanen@example.fi",
		text: []string{"Tässä kuva tapahtumasta: [kuva]"},
		atts: []string{"kuva.png", "ohjelma.pdf"},
		check: func(t *testing.T, m *Message) {
			if img := m.Attachments[0]; !img.Inline || img.ContentID != "kuva1@example.fi" {
				t.Errorf("inline image = %+v", img)
			}
			if m.Attachments[1].Inline {
				t.Error("pdf attachment marked inline")
			}
			if !strings.Contains(m.HTML, `src="cid:kuva1@example.fi"`) {
				t.Errorf("HTML = %q", m.HTML)
			}
		},
	},
	{
		file: "18-forward-rfc822.eml", subject: "Fwd: Question sur le legs",
		fromName: "Jean Staff", fromEmail: "jean.staff@example.org",
		text: []string{
			"Voir le message ci-dessous",
			"---------- Forwarded message ----------\nFrom: Hélène Roux <helene.roux@exemple.fr>",
			"Subject: Question sur le legs",
			"je souhaite léguer une partie de mes biens",
		},
		atts: []string{"testament.pdf"},
		check: func(t *testing.T, m *Message) {
			if len(m.Forwarded) != 1 || m.Forwarded[0].MessageID != "legs-question-1@exemple.fr" || m.Forwarded[0].From.Email != "helene.roux@exemple.fr" {
				t.Errorf("Forwarded = %+v", m.Forwarded)
			}
		},
	},
	{
		file: "19-outlook-reply-tr.eml", subject: "YNT: [HK-204] Gönüllü başvurusu",
		fromName: "Mehmet Öztürk", fromEmail: "mehmet.ozturk@outlook.com",
		text: []string{"Cumartesi günü gelebilirim.", "Kimden: Hearken Destek <help@example.org>"},
		check: func(t *testing.T, m *Message) {
			if m.Headers.Get("Thread-Index") == "" || m.Headers.Get("X-Mailer") != "Microsoft Outlook 16.0" {
				t.Errorf("Outlook headers missing: %v", m.Headers)
			}
			if m.MessageID != "AM9PR07MB71234D5E6F7A8B9C0D1E2F3A4B5C6D7E8F9A0@AM9PR07MB7123.eurprd07.prod.outlook.com" {
				t.Errorf("MessageID (folded) = %q", m.MessageID)
			}
			if id, ok := FindRef(m.Subject); !ok || id != 204 {
				t.Errorf("FindRef = %d %v", id, ok)
			}
			if got := NormalizeSubject(m.Subject); got != "Gönüllü başvurusu" {
				t.Errorf("NormalizeSubject = %q", got)
			}
			if keys := ThreadKeys(m); !slices.Equal(keys, []string{"conv-204.1725980580@example.org"}) {
				t.Errorf("ThreadKeys = %q", keys)
			}
			if !strings.Contains(HTMLToText(m.HTML), "Cumartesi günü gelebilirim.") {
				t.Error("HTML rendition lost the body")
			}
		},
	},
	{
		file: "20-gmail-reply-fa.eml", subject: "Re: [HK-118] درخواست بازپرداخت",
		fromName: "سارا کریمی", fromEmail: "sara.karimi@gmail.com",
		text: []string{"شماره تراکنش ۴۵۶۷۸۹ است.", "> لطفاً شماره تراکنش را بفرستید."},
		check: func(t *testing.T, m *Message) {
			if id, ok := ParseReplyAddress(m.To[0].Email, corpusSecret); !ok || id != 118 {
				t.Errorf("ParseReplyAddress(%q) = %d %v", m.To[0].Email, id, ok)
			}
			if got := HTMLToText(m.HTML); !strings.Contains(got, "> سلام سارا،") {
				t.Errorf("gmail_quote not rendered as quote: %q", got)
			}
		},
	},
	{
		file: "21-applemail-reply-fr.eml", subject: "Re: Photos de l’événement",
		fromName: "Camille Petit", fromEmail: "camille.petit@icloud.com",
		text: []string{"Voici la photo de l’événement de samedi.", "> Bonjour Camille,"},
		atts: []string{"IMG_0421.jpeg"},
		check: func(t *testing.T, m *Message) {
			if a := m.Attachments[0]; !a.Inline || a.ContentID != "6F1C2A3B-4D5E-4F60-8A9B-0C1D2E3F4A5B" || a.ContentType != "image/jpeg" {
				t.Errorf("inline image = %+v", a)
			}
			want := []string{"conv-150.1725897840@example.org", "conv-150.1725800000@example.org"}
			if keys := ThreadKeys(m); !slices.Equal(keys, want) {
				t.Errorf("ThreadKeys = %q, want %q", keys, want)
			}
			if m.Headers.Get("X-Mailer") != "Apple Mail (2.3774.600.62)" {
				t.Errorf("X-Mailer = %q", m.Headers.Get("X-Mailer"))
			}
		},
	},
	{
		file: "22-thunderbird-reply-fi.eml", subject: "Re: Vapaaehtoistyö syksyllä",
		fromName: "Aino Laine", fromEmail: "aino.laine@example.fi",
		// format=flowed: the soft-broken lines are joined
		text: []string{
			"Pääsen mukaan lauantaina kello 10. Tuon myös ystäväni, jos se sopii.",
			"> kiitos ilmoittautumisesta. Syksyn ensimmäinen talkoopäivä on lauantaina.",
			"\n-- \nAino Laine",
		},
		check: func(t *testing.T, m *Message) {
			if m.Headers.Get("User-Agent") != "Mozilla Thunderbird" || len(m.References) != 2 {
				t.Errorf("User-Agent %q, References %q", m.Headers.Get("User-Agent"), m.References)
			}
		},
	},
	{
		file: "23-dsn-bounce.eml", subject: "Undelivered Mail Returned to Sender",
		fromName: "Mail Delivery System", fromEmail: "MAILER-DAEMON@mx.example.org",
		text: []string{"could not\nbe delivered"},
		auto: AutoBounce,
		check: func(t *testing.T, m *Message) {
			d := m.DSN
			if d == nil || d.OriginalMessageID != "conv-77.1726135200@example.org" || d.ReportingMTA != "mx.example.org" || len(d.Recipients) != 1 {
				t.Fatalf("DSN = %+v", d)
			}
			r := d.Recipients[0]
			if r.Email != "nobody@example.net" || r.Action != "failed" || r.Status != "5.1.1" || !strings.Contains(r.Diagnostic, "User unknown") {
				t.Errorf("recipient = %+v", r)
			}
		},
	},
	{
		file: "24-out-of-office-fi.eml", subject: "Automaattinen vastaus: [HK-310] Kiitos lahjoituksestasi",
		fromName: "Liisa Virtanen", fromEmail: "liisa.virtanen@example.fi",
		text: []string{"Olen lomalla 16.9. asti"},
		auto: AutoReply,
	},
	{
		file: "25-mailing-list-fr.eml", subject: "[benevoles] Covoiturage pour samedi",
		fromName: "Jean Dupont", fromEmail: "jean.dupont@example.com",
		text: []string{"il reste deux places dans ma voiture"},
		auto: AutoBulk,
		check: func(t *testing.T, m *Message) {
			if got := NormalizeSubject(m.Subject); got != "Covoiturage pour samedi" {
				t.Errorf("NormalizeSubject = %q", got)
			}
		},
	},
	{
		file: "26-malformed.eml", subject: "Broken but readable",
		fromName: "Broken Sender", fromEmail: "broken@example.com",
		text: []string{"Hello, this body has broken base64 — missing padding and junk."},
		atts: []string{"report 2024.bin"},
		check: func(t *testing.T, m *Message) {
			if m.MessageID != "broken-id@example.com" || m.Date.IsZero() {
				t.Errorf("MessageID %q, Date %v", m.MessageID, m.Date)
			}
			if len(m.To) != 1 {
				t.Errorf("To = %+v", m.To)
			}
			if string(m.Attachments[0].Data) != "\x00\x01\x02\x03\x04\x05" {
				t.Errorf("attachment data = %q", m.Attachments[0].Data)
			}
		},
	},
	{
		file: "27-mislabelled-latin1.eml", subject: "Nouveau message depuis le site",
		fromName: "Formulaire web", fromEmail: "noreply-form@exemple.fr",
		text: []string{"Nom : Renée Façon", "je n’arrive pas"},
		check: func(t *testing.T, m *Message) {
			if len(m.ReplyTo) != 1 || m.ReplyTo[0] != (Address{"Renée Façon", "renee.facon@exemple.fr"}) {
				t.Errorf("ReplyTo = %+v", m.ReplyTo)
			}
		},
	},
	{
		file: "28-multipart-signed-ja.eml", subject: "署名付きのメール",
		fromName: "中村 美咲", fromEmail: "misaki.nakamura@example.jp",
		text: []string{"会員情報の変更をお願いします。"},
		atts: nil, // the S/MIME signature is not an attachment
	},
}

func TestCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, tc := range corpusCases {
		covered[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "corpus", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, err := Parse(f, DefaultLimits)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if m.Subject != tc.subject {
				t.Errorf("Subject = %q, want %q", m.Subject, tc.subject)
			}
			if m.From.Name != tc.fromName || m.From.Email != tc.fromEmail {
				t.Errorf("From = %q <%s>, want %q <%s>", m.From.Name, m.From.Email, tc.fromName, tc.fromEmail)
			}
			for _, s := range tc.text {
				if !strings.Contains(m.Text, s) {
					t.Errorf("Text lacks %q; Text:\n%s", s, m.Text)
				}
			}
			for _, s := range tc.notText {
				if strings.Contains(m.Text, s) {
					t.Errorf("Text has %q; Text:\n%s", s, m.Text)
				}
			}
			var names []string
			for _, a := range m.Attachments {
				names = append(names, a.Filename)
			}
			if !slices.Equal(names, tc.atts) {
				t.Errorf("attachments = %q, want %q", names, tc.atts)
			}
			if m.Auto != tc.auto {
				t.Errorf("Auto = %v (%s), want %v", m.Auto, m.AutoReason, tc.auto)
			}
			if m.Date.IsZero() {
				t.Error("Date not parsed")
			}
			checkInvariants(t, m)
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("%s has no expectations in corpusCases", f)
		}
	}
}

// checkInvariants holds for every successful Parse, whatever the input.
func checkInvariants(t testing.TB, m *Message) {
	t.Helper()
	strs := []string{m.MessageID, m.Subject, m.From.Name, m.From.Email, m.Text, m.HTML}
	for _, a := range m.Attachments {
		strs = append(strs, a.Filename, a.ContentType, a.ContentID)
		if !a.Omitted && a.Size != int64(len(a.Data)) {
			t.Errorf("attachment %q: Size %d, len(Data) %d", a.Filename, a.Size, len(a.Data))
		}
		if a.Filename == "" || strings.ContainsAny(a.Filename, "/\\\x00") {
			t.Errorf("bad attachment filename %q", a.Filename)
		}
	}
	for _, l := range [][]Address{m.To, m.Cc, m.ReplyTo} {
		for _, a := range l {
			strs = append(strs, a.Name, a.Email)
			if !strings.Contains(a.Email, "@") {
				t.Errorf("address without @: %+v", a)
			}
		}
	}
	strs = append(strs, m.InReplyTo...)
	strs = append(strs, m.References...)
	for _, s := range strs {
		if !utf8.ValidString(s) {
			t.Errorf("invalid UTF-8: %q", s)
		}
		if strings.ContainsRune(s, 0) {
			t.Errorf("NUL in %q", s)
		}
	}
	if strings.ContainsAny(m.Subject, "\r\n") || strings.ContainsRune(m.Text, '\r') {
		t.Errorf("line breaks not normalised: subject %q", m.Subject)
	}
	for k, vs := range m.Headers {
		for _, v := range vs {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				t.Errorf("header %s not UTF-8 or has NUL: %q", k, v)
			}
		}
	}
	if m.DSN != nil {
		for _, r := range m.DSN.Recipients {
			for _, s := range []string{r.Email, r.Action, r.Status, r.Diagnostic} {
				if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
					t.Errorf("DSN field %q", s)
				}
			}
		}
	}
	for _, f := range m.Forwarded {
		checkInvariants(t, f)
	}
}
