package people_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"

	"github.com/hearken-org/hearken/internal/apperr"
	"github.com/hearken-org/hearken/internal/db"
	"github.com/hearken-org/hearken/internal/people"
)

func encode(t testing.TB, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func TestImportEncodings(t *testing.T) {
	mixed := "first name,last name,email\nŞükrü,Öztürk,sukru@example.com\nHélène,Jääskeläinen,h@example.fr\n太郎,山田,taro@example.jp\nزهرا,مهدی\u200cزاده,z@example.ir\n"
	utf16le := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	utf16be := unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	cases := []struct {
		name, want string
		file       []byte
		override   string
		rows       [][]string // given, family of each row
	}{
		{"utf-8", people.EncUTF8, []byte(mixed), "", nil},
		{"utf-8 bom", people.EncUTF8, append([]byte("\xEF\xBB\xBF"), mixed...), "", nil},
		{"utf-16le", people.EncUTF16LE, encode(t, utf16le, mixed), "", nil},
		{"utf-16be", people.EncUTF16BE, encode(t, utf16be, mixed), "", nil},
		{"windows-1252 French/Finnish", people.EncWindows1252,
			encode(t, charmap.Windows1252, "prénom;nom;courriel\nHélène;Lefèvre;h@example.fr\nPäivi;Jääskeläinen;p@example.fi\nFrançois;Cœur;f@example.fr\n"),
			"", [][]string{{"Hélène", "Lefèvre"}, {"Päivi", "Jääskeläinen"}, {"François", "Cœur"}}},
		{"windows-1254 Turkish", people.EncWindows1254,
			encode(t, charmap.Windows1254, "ad;soyad;e-posta\nŞükrü;Öztürk;s@example.com\nAyşe;Yılmaz;a@example.com\nİsmail;Işık;i@example.com\nDoğan;Ağaoğlu;d@example.com\n"),
			"", [][]string{{"Şükrü", "Öztürk"}, {"Ayşe", "Yılmaz"}, {"İsmail", "Işık"}, {"Doğan", "Ağaoğlu"}}},
		{"windows-1256 Persian", people.EncWindows1256,
			encode(t, charmap.Windows1256, "first name,last name,email\nعلي,كريمي,ali@example.ir\nزهرا,محمدي,zahra@example.ir\nپرويز,گلچين,p@example.ir\n"),
			"", [][]string{{"علي", "كريمي"}, {"زهرا", "محمدي"}, {"پرويز", "گلچين"}}},
		{"shift_jis", people.EncShiftJIS,
			encode(t, japanese.ShiftJIS, "名,姓,メール\n太郎,山田,taro@example.jp\n花子,佐藤,hanako@example.jp\nさくら,小林,sakura@example.jp\n"),
			"", [][]string{{"太郎", "山田"}, {"花子", "佐藤"}, {"さくら", "小林"}}},
		{"explicit override", people.EncWindows1254,
			encode(t, charmap.Windows1254, "ad,soyad\nŞule,Ağ\n"), people.EncWindows1254, [][]string{{"Şule", "Ağ"}}},
	}
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				pv, err := s.Preview(ctx, bytes.NewReader(c.file), people.ImportOptions{Encoding: c.override}, 10)
				if err != nil {
					t.Fatal(err)
				}
				if pv.Encoding != c.want {
					t.Fatalf("encoding = %s, want %s", pv.Encoding, c.want)
				}
				want := c.rows
				if want == nil {
					want = [][]string{{"Şükrü", "Öztürk"}, {"Hélène", "Jääskeläinen"}, {"太郎", "山田"}, {"زهرا", "مهدی\u200cزاده"}}
				}
				if len(pv.Rows) != len(want) {
					t.Fatalf("rows = %+v", pv.Rows)
				}
				for i, r := range pv.Rows {
					if r.Values[people.FGivenName] != want[i][0] || r.Values[people.FFamilyName] != want[i][1] || len(r.Errors) > 0 {
						t.Errorf("row %d = %v %v, want %v", i+1, r.Values, r.Errors, want[i])
					}
				}
			})
		}
		// The wrong override shows as bad rows, not as garbage names.
		rep, err := s.DryRun(ctx, bytes.NewReader(encode(t, charmap.Windows1254, "ad,soyad\nŞule,Ağ\nAli,Kaya\n")), people.ImportOptions{Encoding: "utf-8"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Valid != 1 || len(rep.Errors) != 1 || rep.Errors[0].Key != "people.import.invalid_encoding" || rep.Errors[0].Row != 1 {
			t.Fatalf("wrong override: %+v", rep)
		}
	})
}

func TestImportBadRows(t *testing.T) {
	long := strings.Repeat("x", people.MaxFieldRunes+1)
	file := "external id,first name,last name,email,phone,birth date\n" +
		"1,Ayşe,Yılmaz,ayse@example.com,0532 123 45 67,1980-02-29\n" + // row 1: good
		",,,,,\n" + // empty cells only: skipped, not data
		"3,,,nobody@example.com,,\n" + // row 2: no name
		"4,Ali,Kaya,ali@,,\n" + // row 3: email
		"5,Veli,Demir,,12345,\n" + // row 4: phone
		"1,Ayşe,Again,,,\n" + // row 5: duplicate external id
		"6,Can,Öz,,,1981-02-29\n" + // row 6: date
		"7,Bad\xff\xfeBytes,X,,,\n" + // row 7: invalid UTF-8
		"8,Long," + long + ",,,\n" + // row 8: cell too long
		"9,Deniz,Ak,deniz@example.com,+90 555 444 33 22,01.02.1990\n" // row 9: good
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		rep, err := s.DryRun(ctx, strings.NewReader(file), people.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{2: "people.import.missing_name", 3: "people.import.invalid_email", 4: "people.import.invalid_phone",
			5: "people.import.duplicate_external_id", 6: "people.import.invalid_date", 7: "people.import.invalid_encoding",
			8: "people.import.row_too_long"}
		got := map[int]string{}
		for _, e := range rep.Errors {
			got[e.Row] = e.Key
		}
		if len(got) != len(want) || rep.Valid != 2 || rep.WouldCreate != 2 || rep.Rows != 9 {
			t.Fatalf("report = %+v", rep)
		}
		for row, key := range want {
			if got[row] != key {
				t.Errorf("row %d: %q, want %q", row, got[row], key)
			}
		}
		for _, e := range rep.Errors {
			if e.Key == "people.import.duplicate_external_id" && (e.Args["FirstRow"] != 1 || e.Args["Value"] != "1") {
				t.Errorf("duplicate args = %v", e.Args)
			}
			if e.Key == "people.import.invalid_email" && (e.Column != "email" || e.Line != 5) {
				t.Errorf("email error = %+v", e)
			}
		}
		if n := count(t, d, "SELECT count(*) FROM people"); n != 0 {
			t.Fatalf("dry run wrote %d people", n)
		}
		// A run imports the good rows and records the bad ones.
		imp, err := s.RunImport(ctx, strings.NewReader(file), people.ImportOptions{FileName: "bad.csv"})
		if err != nil {
			t.Fatal(err)
		}
		if imp.Status != "completed" || imp.Created != 2 || imp.Failed != 7 || imp.Processed != 9 || len(imp.Errors) != 7 {
			t.Fatalf("import = %+v", imp)
		}
	})
}

func TestImportFileErrors(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		rnd := rand.New(rand.NewPCG(1, 2))
		garbage := make([]byte, 10<<20)
		for i := range garbage {
			garbage[i] = byte(rnd.UintN(256))
		}
		_, err := s.RunImport(ctx, bytes.NewReader(garbage), people.ImportOptions{})
		wantField(t, err, "file", "people.import.binary")
		_, err = s.RunImport(ctx, bytes.NewReader(garbage), people.ImportOptions{Encoding: "windows-1252"})
		wantField(t, err, "file", "people.import.binary")
		huge := bytes.Repeat([]byte("a,b\n"), people.MaxImportBytes/4+1)
		_, err = s.RunImport(ctx, bytes.NewReader(huge), people.ImportOptions{})
		wantErr(t, err, apperr.CodeTooLarge, "")
		_, err = s.DryRun(ctx, strings.NewReader("email,phone\na@b.co,1\n"), people.ImportOptions{})
		wantField(t, err, "file", "people.import.missing_column")
		_, err = s.DryRun(ctx, strings.NewReader("  \n"), people.ImportOptions{})
		wantField(t, err, "file", "people.import.empty")
		wide := strings.Repeat("c,", people.MaxImportCols) + "name\nx\n"
		_, err = s.DryRun(ctx, strings.NewReader(wide), people.ImportOptions{})
		wantField(t, err, "file", "people.import.too_many_columns")
		_, err = s.DryRun(ctx, strings.NewReader("name\nx\n"), people.ImportOptions{Mapping: people.Mapping{"nope": people.FEmail}})
		wantField(t, err, "mapping.nope", "people.import.unknown_column")
		_, err = s.DryRun(ctx, strings.NewReader("name\nx\n"), people.ImportOptions{Preset: "excel"})
		wantField(t, err, "preset", "people.import.unknown_preset")
		for _, table := range []string{"people", "imports", "audit_log"} {
			if n := count(t, d, "SELECT count(*) FROM "+table); n != 0 {
				t.Fatalf("%s has %d rows", table, n)
			}
		}
	})
}

func TestImportUpdatesAndDuplicates(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		must[people.CustomField](t)(s.CreateCustomField(ctx, people.CustomFieldInput{Key: "tshirt", Label: "T-shirt", Type: "choice", Options: []string{"S", "M"}}))
		first := "id;first name;last name;email;phone;tags;roles;role_start;email_opt_out;tshirt;note\n" +
			"A1;Aino;Virtanen;aino@example.fi;040 123 4567;Volunteers, Tampere;volunteer;2020-05-01;yes;M;Met at the fair\n" +
			"A2;Eero;Mäki;eero@example.fi;;;donor;2019-01-01;;;\n"
		opts := people.ImportOptions{PhoneRegion: "FI", Mapping: people.Mapping{"tshirt": "custom:tshirt"}}
		imp := must[people.Import](t)(s.RunImport(ctx, strings.NewReader(first), opts))
		if imp.Created != 2 || imp.Updated != 0 {
			t.Fatalf("first import = %+v", imp)
		}
		aino := must[int64](t)(s.FindByExternalID(ctx, "import", "A1"))
		pr := must[*people.Profile](t)(s.Profile(ctx, aino))
		if len(pr.Contacts) != 2 || len(pr.Tags) != 2 || len(pr.Roles) != 1 || len(pr.CustomValues) != 1 || len(pr.Consents) != 1 || pr.Consents[0].Status != "opt_out" {
			t.Fatalf("imported profile = %+v", pr)
		}
		// Re-import: the external id updates instead of duplicating; the same
		// e-mail updates the profile it belongs to.
		second := "id;first name;last name;email;phone;tags;roles;role_start\n" +
			"A1;Aino;Korhonen;aino@example.fi;+358 40 123 4567;Volunteers;volunteer;2020-05-01\n" +
			";Eero;Mäki;EERO@example.fi;050 765 4321;;;\n" +
			"A3;New;Person;new@example.fi;;;;\n"
		imp = must[people.Import](t)(s.RunImport(ctx, strings.NewReader(second), people.ImportOptions{PhoneRegion: "FI"}))
		if imp.Created != 1 || imp.Updated != 2 || imp.Failed != 0 {
			t.Fatalf("second import = %+v", imp)
		}
		if n := count(t, d, "SELECT count(*) FROM people"); n != 3 {
			t.Fatalf("people = %d", n)
		}
		p := must[people.Person](t)(s.GetPerson(ctx, aino))
		if p.FamilyName != "Korhonen" || p.DisplayName != "Aino Korhonen" {
			t.Fatalf("updated = %+v", p)
		}
		pr = must[*people.Profile](t)(s.Profile(ctx, aino))
		if len(pr.Contacts) != 2 || len(pr.Roles) != 1 {
			t.Fatalf("re-import duplicated contacts or roles: %+v %+v", pr.Contacts, pr.Roles)
		}
		// Flag mode creates and queues the pair for review.
		third := "first name,last name,email\nAino,V.,aino@example.fi\n"
		imp = must[people.Import](t)(s.RunImport(ctx, strings.NewReader(third), people.ImportOptions{OnDuplicate: "flag"}))
		if imp.Created != 1 {
			t.Fatalf("flag import = %+v", imp)
		}
		q := must[people.Page[people.DuplicateCandidate]](t)(s.DuplicateCandidates(ctx, "", 10))
		if len(q.Items) != 1 || q.Items[0].Reason != "import" || q.Items[0].PersonID != aino {
			t.Fatalf("queue = %+v", q.Items)
		}
		// Imported people are searchable at once.
		if page := must[people.Page[people.Person]](t)(s.Search(ctx, "korhonen", people.SearchFilter{}, "", 10)); len(page.Items) != 1 {
			t.Fatalf("search = %+v", page.Items)
		}
	})
}

func TestImportResume(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		var b strings.Builder
		b.WriteString("id,name,email\n")
		for i := range 7 {
			b.WriteString(strings.Join([]string{string(rune('a' + i)), "Person " + string(rune('A'+i)), string(rune('a'+i)) + "@example.org"}, ",") + "\n")
		}
		file := b.String()
		crash := errors.New("power cut")
		people.SetImportHook(s, func(batch int) error {
			if batch == 1 {
				return crash
			}
			return nil
		})
		_, err := s.RunImport(ctx, strings.NewReader(file), people.ImportOptions{BatchSize: 3})
		if !errors.Is(err, crash) {
			t.Fatalf("run = %v", err)
		}
		if n := count(t, d, "SELECT count(*) FROM people"); n != 3 {
			t.Fatalf("after crash: %d people (the first batch only)", n)
		}
		var id int64
		if err := d.Reader.QueryRow("SELECT id FROM imports").Scan(&id); err != nil {
			t.Fatal(err)
		}
		imp := must[people.Import](t)(s.GetImport(ctx, id))
		if imp.Processed != 3 || imp.Created != 3 || imp.Status != "failed" {
			t.Fatalf("after crash: %+v", imp)
		}
		_, err = s.ResumeImport(ctx, id, strings.NewReader(file+"x,Other,x@example.org\n"))
		wantField(t, err, "file", "people.import.different_file")
		people.SetImportHook(s, nil)
		imp = must[people.Import](t)(s.ResumeImport(ctx, id, strings.NewReader(file)))
		if imp.Status != "completed" || imp.Processed != 7 || imp.Created != 7 || imp.FinishedAt == nil {
			t.Fatalf("resumed: %+v", imp)
		}
		if n := count(t, d, "SELECT count(*) FROM people"); n != 7 {
			t.Fatalf("after resume: %d people", n)
		}
	})
}

func TestImportPresets(t *testing.T) {
	cases := []struct {
		preset, file, ext, name, email string
	}{
		{"salesforce_npsp", "Contact1Imported__c,Contact1_Firstname__c,Contact1_Lastname__c,Contact1_Personal_Email__c,Contact1_Home_Phone__c,Contact1_Birthdate__c,Home_Street__c,Home_City__c,Home_Zip_Postal_Code__c,Home_Country__c\n" +
			"003XX1,Jane,Doe,jane@example.com,+1 415 555 2671,05/01/1980,1 Main St,San Francisco,94105,United States\n", "003XX1", "Jane Doe", "jane@example.com"},
		{"civicrm", "Contact ID,Contact Type,First Name,Last Name,Email,Phone,Preferred Language,Birth Date,Do Not Email\n" +
			"42,Individual,Jean,Dupont,jean@example.fr,+33 6 12 34 56 78,fr_FR,1975-04-02,1\n", "42", "Jean Dupont", "jean@example.fr"},
		{"bloomerang", "Account Number,Type,First Name,Last Name,Primary Email Address,Primary Phone Number\n" +
			"1001,Individual,Sam,Lee,sam@example.com,+1 212 555 0188\n", "1001", "Sam Lee", "sam@example.com"},
		{"littlegreenlight", "LGL Constituent ID,Is Org,Org Name,First Name,Last Name,Email Address,Keywords\n" +
			"77,yes,Helping Hands Foundation,,,info@helping.org,Partner;Grant\n", "77", "Helping Hands Foundation", "info@helping.org"},
	}
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		for _, c := range cases {
			t.Run(c.preset, func(t *testing.T) {
				imp := must[people.Import](t)(s.RunImport(ctx, strings.NewReader(c.file), people.ImportOptions{Preset: c.preset}))
				if imp.Created != 1 || imp.Failed != 0 {
					t.Fatalf("import = %+v", imp)
				}
				id := must[int64](t)(s.FindByExternalID(ctx, people.Presets[c.preset].Source, c.ext))
				pr := must[*people.Profile](t)(s.Profile(ctx, id))
				emailOK := false
				for _, cp := range pr.Contacts {
					emailOK = emailOK || (cp.Kind == people.Email && cp.Value == c.email && cp.Primary)
				}
				if pr.Person.DisplayName != c.name || !emailOK {
					t.Fatalf("profile = %+v %+v", pr.Person, pr.Contacts)
				}
				switch c.preset {
				case "salesforce_npsp":
					if pr.Person.BirthDate.String() != "1980-05-01" || len(pr.Contacts) != 3 {
						t.Fatalf("npsp = %+v %+v", pr.Person.BirthDate, pr.Contacts)
					}
				case "civicrm":
					if pr.Person.Language != "fr-FR" || len(pr.Consents) != 1 || pr.Consents[0].Status != "opt_out" {
						t.Fatalf("civicrm = %+v %+v", pr.Person, pr.Consents)
					}
				case "littlegreenlight":
					if pr.Person.Kind != people.Organization || len(pr.Tags) != 2 {
						t.Fatalf("lgl = %+v %+v", pr.Person, pr.Tags)
					}
				}
			})
		}
	})
}

func TestSniffDelimiter(t *testing.T) {
	cases := map[string]rune{
		"a,b,c\n1,2,3\n":                  ',',
		"nom;prénom;ville\nA;B;Paris\n":   ';',
		"a\tb\n1\t2\n":                    '\t',
		"name;note\n\"Doe, J\";\"x,y\"\n": ';',
		"name\nAli\n":                     ',',
	}
	for in, want := range cases {
		if got := people.SniffDelimiter(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}

func TestExportCSV(t *testing.T) {
	run(t, func(t *testing.T, s *people.Service, d *db.DB) {
		ctx := sys()
		must[people.CustomField](t)(s.CreateCustomField(ctx, people.CustomFieldInput{Key: "hours", Label: "Hours", Type: "number"}))
		a := create(t, s, people.NewPerson{PersonInput: people.PersonInput{GivenName: "Ayşe", FamilyName: "Yılmaz", Language: "tr"},
			Contacts: []people.ContactInput{email("ayse@example.com"), phone("0532 123 45 67"),
				{Kind: people.Address, Line1: "Moda Cad. 1", City: "İstanbul", Postcode: "34710", Country: "TR"}},
			Roles: []people.RoleInput{{Role: "volunteer", Start: date(2020, 1, 1)}}, Tags: []string{"Gala", "VIP"}})
		create(t, s, people.NewPerson{PersonInput: people.PersonInput{Kind: people.Organization, DisplayName: "Vakıf, \"Umut\""}})
		if err := s.SetCustomValue(ctx, a.ID, "hours", "12"); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		n := must[int](t)(s.ExportCSV(ctx, &buf, people.ExportOptions{BOM: true}))
		out := buf.String()
		if n != 2 || !strings.HasPrefix(out, "\uFEFFid,external_id,kind,display_name") ||
			!strings.Contains(out, "Ayşe Yılmaz,Ayşe,Yılmaz,Ayşe,tr,,ayse@example.com,+905321234567,Moda Cad. 1,,İstanbul,,34710,TR,Gala; VIP,volunteer") ||
			!strings.Contains(out, `"Vakıf, ""Umut"""`) {
			t.Fatalf("export =\n%s", out)
		}
		buf.Reset()
		n = must[int](t)(s.ExportCSV(ctx, &buf, people.ExportOptions{
			Segment: &people.SegmentFilter{Kind: people.Individual}, Columns: []people.Field{people.FDisplayName, "custom:hours"}, Delimiter: ';'}))
		if n != 1 || buf.String() != "display_name;custom:hours\nAyşe Yılmaz;12\n" {
			t.Fatalf("segment export = %q", buf.String())
		}
		_, err := s.ExportCSV(ctx, &buf, people.ExportOptions{Columns: []people.Field{"password"}})
		wantField(t, err, "columns.0", "people.import.unknown_field")
		// Hearken reads its own export back: nothing new, everyone updated.
		buf.Reset()
		must[int](t)(s.ExportCSV(ctx, &buf, people.ExportOptions{BOM: true, Columns: []people.Field{people.FDisplayName, people.FGivenName, people.FFamilyName, people.FEmail, people.FPhone, people.FTags}}))
		rep := must[*people.ImportReport](t)(s.DryRun(ctx, &buf, people.ImportOptions{}))
		if rep.Valid != 2 || rep.WouldUpdate != 1 || rep.WouldCreate != 1 || len(rep.Errors) != 0 || !slices.Contains(rep.Header, "display_name") {
			t.Fatalf("re-import = %+v", rep)
		}
	})
}
