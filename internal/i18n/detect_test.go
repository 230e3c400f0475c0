package i18n

import "testing"

func TestDetect(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		// English
		{"en volunteer", "Hi there, I'd like to volunteer at the food bank on weekends. Please let me know what I need to do. Thanks, Sam", "en"},
		{"en receipt", "Hello,\nCould you send me a receipt for my donation last month? It's for my tax return.\nRegards,\nPriya", "en"},
		{"en thanks", "Thanks!", "en"},
		// Turkish
		{"tr volunteer", "Merhaba, hafta sonları gıda bankasında gönüllü olmak istiyorum. Ne yapmam gerektiğini bildirir misiniz? Teşekkürler, Ayşe", "tr"},
		{"tr ascii", "Merhaba, bagis yapmak istiyorum ama kart calismiyor. Yardim eder misiniz? Tesekkurler", "tr"},
		{"tr receipt", "İyi günler, geçen ayki bağışım için makbuz alabilir miyim? Saygılarımla, Mehmet", "tr"},
		// Finnish
		{"fi volunteer", "Hei! Olen kiinnostunut vapaaehtoistyöstä ja haluaisin tietää lisää. Kiitos, Matti", "fi"},
		{"fi address", "Moi, muutin juuri uuteen osoitteeseen. Voisitteko päivittää tietoni? Ystävällisin terveisin, Liisa", "fi"},
		{"fi thanks", "Kiitos!", "fi"},
		// French
		{"fr donation", "Bonjour, je souhaiterais faire un don mensuel à votre association. Pouvez-vous m'indiquer la marche à suivre ? Merci beaucoup, Claire", "fr"},
		{"fr unsubscribe", "Bonjour,\nJe ne veux plus recevoir vos courriels, merci de me retirer de la liste.\nCordialement", "fr"},
		{"fr thanks", "Merci !", "fr"},
		{"fr reply above english quote", "Merci, c'est noté ! À bientôt.\n\n> Hi Claire, thanks for your donation. We will send the receipt soon.\n> Best regards, the team", "fr"},
		// Japanese
		{"ja volunteer", "こんにちは。ボランティアに参加したいのですが、どうすればよいでしょうか。よろしくお願いします。", "ja"},
		{"ja receipt with english signature", "お世話になっております。寄付の領収書を再発行していただけますか。\n\nBest regards,\nKen Tanaka", "ja"},
		{"ja katakana only", "ボランティア", "ja"},
		// Persian and Arabic script
		{"fa volunteer", "سلام، می\u200cخواهم به عنوان داوطلب با شما همکاری کنم. لطفاً راهنمایی کنید. ممنون", "fa"},
		{"fa with latin name", "با سلام، کمک ماهانه من برای ماه گذشته ثبت نشده است. با تشکر، Sara Ahmadi", "fa"},
		{"ar maps to fa", "مرحبا، أود التطوع في منظمتكم. شكرا لكم", "fa"},
		// Unsupported or unsure
		{"empty", "", ""},
		{"whitespace", " \n\t ", ""},
		{"too short", "ok", ""},
		{"numbers", "123 456 !!!", ""},
		{"single name", "Sam", ""},
		{"chinese", "你好，我想成为志愿者。谢谢", ""},
		{"russian", "Здравствуйте, хочу стать волонтёром. Спасибо", ""},
		{"korean", "안녕하세요, 자원봉사를 하고 싶습니다", ""},
		{"spanish", "Hola, me gustaría ser voluntaria en su organización. Gracias", ""},
		{"german", "Hallo, ich möchte gerne bei Ihnen helfen. Vielen Dank", ""},
		{"only quoted", "> Hi Claire, thanks for your donation.", ""},
		{"url only", "https://example.org/x?y=z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect(tt.text); got != tt.want {
				t.Errorf("Detect(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"Merci", "İİİ", "l'", "'''", "\xff\xfe", "こんにちは", "سلام"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		switch got := Detect(s); got {
		case "", "en", "tr", "fr", "fi", "ja", "fa":
		default:
			t.Fatalf("Detect(%q) = %q", s, got)
		}
	})
}
