package email

import (
	"slices"
	"strings"
	"testing"
)

func TestThreadKeys(t *testing.T) {
	tests := []struct {
		name string
		m    Message
		want []string
	}{
		{"none", Message{MessageID: "self@x"}, nil},
		{"in-reply-to only", Message{InReplyTo: []string{"p@x"}}, []string{"p@x"}},
		{
			"in-reply-to first, references newest first, deduplicated",
			Message{MessageID: "self@x", InReplyTo: []string{"c@x"}, References: []string{"a@x", "b@x", "c@x", "self@x"}},
			[]string{"c@x", "b@x", "a@x"},
		},
		{"references only", Message{References: []string{"a@x", "b@x"}}, []string{"b@x", "a@x"}},
		{"blank ids", Message{InReplyTo: []string{" "}, References: []string{""}}, nil},
	}
	for _, tt := range tests {
		if got := ThreadKeys(&tt.m); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestNormalizeSubject(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello", "Hello"},
		{"Re: Hello", "Hello"},
		{"RE: RE: Re:Hello", "Hello"},
		{"Fwd: Re: FW: Hello", "Hello"},
		{"Re[2]: Hello", "Hello"},
		{"Re(3): Hello", "Hello"},
		{"RE : Bonjour", "Bonjour"}, // French spacing
		{"TR : Bonjour", "Bonjour"},
		{"Réf. : Dossier", "Dossier"},
		{"AW: WG: Anfrage", "Anfrage"},
		{"SV: VS: Kysymys", "Kysymys"},
		{"VL: Lahjoitus", "Lahjoitus"},
		{"YNT: İLT: Bağış", "Bağış"},
		{"Ynt: Ilt: Bağış", "Bağış"},
		{"İlt: Bağış", "Bağış"},
		{"返信: 寄付について", "寄付について"},
		{"転送：寄付について", "寄付について"},
		{"Ｒｅ：寄付", "寄付"},
		{"پاسخ: درخواست", "درخواست"},
		{"Ответ: Вопрос", "Вопрос"},
		{"[benevoles] Re: [EXTERNAL] Covoiturage", "Covoiturage"},
		{"Re: [HK-123] Donation receipt", "Donation receipt"},
		{"Donation receipt [HK-123]", "Donation receipt"},
		{"Hello (fwd)", "Hello"},
		{"Re:   spaced    out  ", "spaced out"},
		{"Question: what next?", "Question: what next?"},
		{"Re: Question: what next?", "Question: what next?"},
		{"[only a tag]", "[only a tag]"},
		{"Re:", ""},
		{"", ""},
		{"Rendezvous: Monday", "Rendezvous: Monday"},
	}
	for _, tt := range tests {
		if got := NormalizeSubject(tt.in); got != tt.want {
			t.Errorf("NormalizeSubject(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRefs(t *testing.T) {
	if got := FormatRef(12345); got != "[HK-12345]" {
		t.Errorf("FormatRef = %q", got)
	}
	tests := []struct {
		in string
		id int64
		ok bool
	}{
		{"Re: [HK-12345] Help", 12345, true},
		{"[hk-7] lower case", 7, true},
		{"[ HK- 42 ] spaced", 42, true},
		{"Fwd: [HK-5] Re: [HK-3]", 5, true},
		{"HK-12345 without brackets", 0, false},
		{"[HK-0]", 0, false},
		{"[HK-99999999999999999999]", 0, false}, // too many digits
		{"[HK-9223372036854775807]", 0, false},  // 19 digits: refused
		{"[HK-922337203685477580]", 922337203685477580, true},
		{"[HK-abc]", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		id, ok := FindRef(tt.in)
		if id != tt.id || ok != tt.ok {
			t.Errorf("FindRef(%q) = %d %v, want %d %v", tt.in, id, ok, tt.id, tt.ok)
		}
	}
	if id, ok := FindRef("Re: " + FormatRef(987)); !ok || id != 987 {
		t.Errorf("round trip: %d %v", id, ok)
	}
}

func TestReplyAddress(t *testing.T) {
	secret := []byte("s3cret")
	addr := ReplyAddress("help@example.org", 12345, secret)
	local, domain, _ := strings.Cut(addr, "@")
	if domain != "example.org" || !strings.HasPrefix(local, "help+c12345.") || len(local) != len("help+c12345.")+8 {
		t.Fatalf("ReplyAddress = %q", addr)
	}
	if strings.ToLower(addr) != addr {
		t.Errorf("address not lowercase: %q", addr)
	}
	mac := strings.TrimPrefix(local, "help+c12345.")
	tamper := []byte(mac)
	tamper[0] ^= 1

	tests := []struct {
		name   string
		addr   string
		secret []byte
		id     int64
		ok     bool
	}{
		{"round trip", addr, secret, 12345, true},
		{"upper case", strings.ToUpper(addr), secret, 12345, true},
		{"display name", "Hearken Help <" + addr + ">", secret, 12345, true},
		{"wrong secret", addr, []byte("other"), 0, false},
		{"empty secret", addr, nil, 0, false},
		{"tampered mac", "help+c12345." + string(tamper) + "@example.org", secret, 0, false},
		{"other id, same mac", "help+c12346." + mac + "@example.org", secret, 0, false},
		{"no tag", "help@example.org", secret, 0, false},
		{"foreign tag", "help+newsletter@example.org", secret, 0, false},
		{"no mac", "help+c12345@example.org", secret, 0, false},
		{"signed id", "help+c-1." + mac + "@example.org", secret, 0, false},
		{"garbage", "<<>>@@", secret, 0, false},
		{"empty", "", secret, 0, false},
	}
	for _, tt := range tests {
		id, ok := ParseReplyAddress(tt.addr, tt.secret)
		if id != tt.id || ok != tt.ok {
			t.Errorf("%s: ParseReplyAddress(%q) = %d %v, want %d %v", tt.name, tt.addr, id, ok, tt.id, tt.ok)
		}
	}

	// The base may already carry a sub-address; the last "+" is ours.
	tagged := ReplyAddress("help+support@example.org", 7, secret)
	if id, ok := ParseReplyAddress(tagged, secret); !ok || id != 7 {
		t.Errorf("tagged base %q: %d %v", tagged, id, ok)
	}
	// Degenerate inputs leave the base alone.
	for _, tt := range []struct {
		base   string
		id     int64
		secret []byte
	}{{"help@example.org", 0, secret}, {"help@example.org", -1, secret}, {"help@example.org", 1, nil}, {"no-at-sign", 1, secret}} {
		if got := ReplyAddress(tt.base, tt.id, tt.secret); got != tt.base {
			t.Errorf("ReplyAddress(%q, %d) = %q, want base", tt.base, tt.id, got)
		}
	}
	// Different conversations get different signatures.
	if ReplyAddress("h@x.org", 1, secret)[len("h+c1."):] == ReplyAddress("h@x.org", 2, secret)[len("h+c2."):] {
		t.Error("same mac for two conversations")
	}
}
