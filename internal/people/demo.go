package people

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/hearken-org/hearken/internal/textsearch"
)

// demoName is a name as written and in Latin letters (for e-mail addresses).
type demoName struct{ native, latin string }

// demoLocale is what a believable person from one language looks like.
type demoLocale struct {
	lang, region       string
	given, family      []demoName
	cities             [][2]string // city, postcode prefix
	streets            []string
	orgs               []string // %s is a family name
	domain             string
	notes, requests    []string
	phone              func(r *rand.Rand) string
	familyFirst, joins bool
}

func names(pairs ...string) []demoName {
	out := make([]demoName, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, demoName{pairs[i], pairs[i+1]})
	}
	return out
}

func latinNames(ns ...string) []demoName {
	out := make([]demoName, len(ns))
	for i, n := range ns {
		out[i] = demoName{n, textsearch.Fold(n)}
	}
	return out
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

var demoLocales = []demoLocale{
	{lang: "tr", region: "TR", domain: "example.com.tr",
		given:    latinNames("Ayşe", "Mehmet", "Fatma", "Mustafa", "Zeynep", "Ahmet", "Elif", "Emre", "Şule", "İsmail", "Gökhan", "Özlem", "Çağla", "Burak", "Hülya", "Oğuz", "Derya", "Kübra", "Serkan", "Ümit"),
		family:   latinNames("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Işık", "Koç", "Kurt", "Özkan", "Şimşek", "Erdoğan"),
		cities:   [][2]string{{"İstanbul", "34"}, {"Ankara", "06"}, {"İzmir", "35"}, {"Bursa", "16"}, {"Antalya", "07"}, {"Diyarbakır", "21"}},
		streets:  []string{"Atatürk Cad.", "İstiklal Cad.", "Bağdat Cad.", "Cumhuriyet Mah.", "Gül Sok.", "Çınar Sok."},
		orgs:     []string{"%s Vakfı", "%s Holding A.Ş.", "%s Eğitim Derneği", "%s Gıda Ltd. Şti."},
		notes:    []string{"Kermeste gönüllü olarak yardım etti.", "Telefonla arandı, bağış makbuzu istedi.", "Öğleden sonra ziyaret edilmeyi tercih ediyor.", "Çocuklar için burs programıyla ilgileniyor."},
		requests: []string{"Tekerlekli sandalye erişimi olan oda gerekiyor.", "Sadece hafta sonu aranmak istiyor.", "İşitme cihazı kullanıyor, yazılı iletişim tercih ediyor."},
		phone:    func(r *rand.Rand) string { return fmt.Sprintf("05%d%s", 30+r.IntN(6), digits(r, 7)) }},
	{lang: "fr", region: "FR", domain: "example.fr",
		given:    latinNames("Camille", "Léa", "Louis", "Chloé", "Hugo", "Manon", "Jules", "Inès", "Théo", "Zoé", "François", "Hélène", "Gaëlle", "Jérôme", "Noël", "Maëlys"),
		family:   latinNames("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Lefèvre", "Girard", "Bonnet", "Mercier", "Faure", "Rousseau"),
		cities:   [][2]string{{"Paris", "750"}, {"Lyon", "690"}, {"Marseille", "130"}, {"Toulouse", "310"}, {"Lille", "590"}, {"Nantes", "440"}},
		streets:  []string{"rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Voltaire", "place de la Mairie"},
		orgs:     []string{"Fondation %s", "Association %s Solidarité", "%s et Fils SARL", "Groupe %s"},
		notes:    []string{"A aidé à la collecte de décembre.", "Souhaite recevoir le reçu fiscal par courrier.", "Préfère être contactée en fin de journée.", "Intéressé par le parrainage d'un enfant."},
		requests: []string{"A besoin d'une chambre accessible en fauteuil roulant.", "Régime sans gluten lors des événements.", "Malentendant : privilégier l'écrit."},
		phone:    func(r *rand.Rand) string { return fmt.Sprintf("06%s", digits(r, 8)) }},
	{lang: "fi", region: "FI", domain: "example.fi",
		given:    latinNames("Aino", "Eero", "Päivi", "Jussi", "Sanna", "Mikko", "Kaisa", "Juha", "Tiina", "Antti", "Elina", "Ville", "Hanna", "Jääkko", "Sirpa", "Olli"),
		family:   latinNames("Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Jääskeläinen", "Salminen", "Heinonen"),
		cities:   [][2]string{{"Helsinki", "00"}, {"Tampere", "33"}, {"Turku", "20"}, {"Oulu", "90"}, {"Jyväskylä", "40"}, {"Espoo", "02"}},
		streets:  []string{"Mannerheimintie", "Hämeenkatu", "Aleksanterinkatu", "Puistokatu", "Kirkkokatu"},
		orgs:     []string{"%s Oy", "%sn säätiö", "%s ry", "%s Yhtymä Oyj"},
		notes:    []string{"Auttoi joulukeräyksessä.", "Toivoo kuitin sähköpostitse.", "Tavoittaa parhaiten iltapäivisin.", "Kiinnostunut vapaaehtoistyöstä vanhusten parissa."},
		requests: []string{"Tarvitsee esteettömän huoneen.", "Laktoositon ruokavalio tapahtumissa.", "Kuulovamma: mieluiten kirjallinen yhteydenpito."},
		phone:    func(r *rand.Rand) string { return fmt.Sprintf("04%d %s", r.IntN(2)*10, digits(r, 7)) }},
	{lang: "ja", region: "JP", domain: "example.jp", familyFirst: true,
		given:    names("太郎", "taro", "花子", "hanako", "翔太", "shota", "さくら", "sakura", "健", "ken", "美咲", "misaki", "大輔", "daisuke", "陽子", "yoko", "直樹", "naoki", "由美", "yumi"),
		family:   names("山田", "yamada", "佐藤", "sato", "鈴木", "suzuki", "高橋", "takahashi", "田中", "tanaka", "伊藤", "ito", "渡辺", "watanabe", "中村", "nakamura", "小林", "kobayashi", "加藤", "kato"),
		cities:   [][2]string{{"東京都新宿区", "160-"}, {"大阪市北区", "530-"}, {"横浜市中区", "231-"}, {"名古屋市中区", "460-"}, {"札幌市中央区", "060-"}, {"福岡市博多区", "812-"}},
		streets:  []string{"西新宿2丁目", "梅田1丁目", "山下町", "栄3丁目", "北一条西"},
		orgs:     []string{"%s財団", "株式会社%s商事", "%s福祉会", "%s工業株式会社"},
		notes:    []string{"年末の募金活動を手伝ってくれました。", "領収書は郵送を希望。", "平日の午後は連絡がつきやすい。", "子ども食堂のボランティアに関心あり。"},
		requests: []string{"車椅子で利用できる部屋が必要です。", "イベントではベジタリアン食を希望。", "耳が不自由なため、書面での連絡を希望。"},
		phone:    func(r *rand.Rand) string { return fmt.Sprintf("090-%s-%s", digits(r, 4), digits(r, 4)) }},
	{lang: "fa", region: "IR", domain: "example.ir", joins: true,
		given:    names("مریم", "maryam", "علی", "ali", "زهرا", "zahra", "محمد", "mohammad", "فاطمه", "fatemeh", "رضا", "reza", "نرگس", "narges", "حسین", "hossein", "سارا", "sara", "امیر", "amir"),
		family:   names("احمدی", "ahmadi", "کریمی", "karimi", "حسینی", "hosseini", "رضایی", "rezaei", "محمدی", "mohammadi", "مهدی\u200cزاده", "mahdizadeh", "جعفری", "jafari", "صادقی", "sadeghi", "نوری", "nouri", "کاظمی", "kazemi"),
		cities:   [][2]string{{"تهران", "1"}, {"اصفهان", "8"}, {"شیراز", "7"}, {"مشهد", "9"}, {"تبریز", "5"}, {"کرج", "3"}},
		streets:  []string{"خیابان ولیعصر", "خیابان آزادی", "بلوار کشاورز", "کوچه گلستان", "میدان انقلاب"},
		orgs:     []string{"بنیاد %s", "شرکت %s و شرکا", "مؤسسه خیریه %s", "گروه صنعتی %s"},
		notes:    []string{"در جمع\u200cآوری کمک\u200cهای زمستانی یاری کرد.", "رسید کمک را با پست می\u200cخواهد.", "بعدازظهرها در دسترس است.", "به برنامه بورسیه کودکان علاقه دارد."},
		requests: []string{"به اتاق مناسب ویلچر نیاز دارد.", "فقط با همکار خانم صحبت می\u200cکند.", "کم\u200cشنوا است؛ ارتباط نوشتاری را ترجیح می\u200cدهد."},
		phone: func(r *rand.Rand) string {
			return fmt.Sprintf("۰۹۱%d %s", r.IntN(10), toPersianDigits(digits(r, 7)))
		}},
	{lang: "en", region: "GB", domain: "example.org",
		given:    latinNames("Olivia", "Jack", "Amelia", "Harry", "Isla", "George", "Emily", "Noah", "Grace", "Oliver", "Sophie", "James", "Chloe", "Thomas", "Mary", "Daniel"),
		family:   latinNames("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright", "Thompson", "Evans", "O'Brien", "Walker", "White", "Hughes"),
		cities:   [][2]string{{"London", "SW1A "}, {"Manchester", "M1 "}, {"Leeds", "LS1 "}, {"Bristol", "BS1 "}, {"Glasgow", "G1 "}, {"Cardiff", "CF10 "}},
		streets:  []string{"High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane"},
		orgs:     []string{"%s Foundation", "%s & Sons Ltd", "%s Community Trust", "%s Group plc"},
		notes:    []string{"Helped at the winter appeal.", "Would like gift receipts by post.", "Easiest to reach in the afternoon.", "Interested in the mentoring programme."},
		requests: []string{"Needs a wheelchair-accessible room.", "Vegetarian meals at events.", "Hard of hearing: prefers written contact."},
		phone:    func(r *rand.Rand) string { return "07700 900" + digits(r, 3) }},
}

func toPersianDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune('۰' + (r - '0'))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var demoTags = []string{"Gala 2024", "Newsletter", "Major donor", "Monthly giver", "Board prospect", "Food bank", "Winter appeal",
	"Kermes", "Bénévole actif", "Talkoot", "ボランティア", "نیکوکار"}

// GenerateDemo creates n believable people and organizations in the six
// languages and scripts: households, overlapping roles (former clients who
// now give or volunteer), consent, notes, special requests, tags and
// employers. It writes in transactions of 1,000 profiles with their search
// rows, calls progress after each, and refreshes the planner's statistics at
// the end.
func GenerateDemo(ctx context.Context, s *Service, rnd *rand.Rand, n int, progress func(done int)) error {
	if err := generateDemo(ctx, s, rnd, n, 1000, progress); err != nil {
		return err
	}
	return s.RefreshStatistics(ctx)
}

// GenerateDemoChunk is one chunk of a large load (hearken demo --size
// large): n profiles in one transaction (the caller's, if ctx has one), with
// no statistics refresh, which would rescan every table on every chunk; call
// RefreshStatistics once after the last chunk.
func GenerateDemoChunk(ctx context.Context, s *Service, rnd *rand.Rand, n int) error {
	return generateDemo(ctx, s, rnd, n, n, nil)
}

// RefreshStatistics refreshes the planner's statistics after a bulk load
// (fresh tables have none, and without them PostgreSQL plans searches as if
// every table were empty) and merges SQLite's search index into one segment.
func (s *Service) RefreshStatistics(ctx context.Context) error {
	if err := requirePerm(ctx, permImport); err != nil {
		return err
	}
	if _, err := s.q.Exec(ctx, "OptimizeSearch"); err != nil {
		return err
	}
	_, err := s.q.Exec(ctx, "Analyze")
	return err
}

func generateDemo(ctx context.Context, s *Service, rnd *rand.Rand, n, batch int, progress func(done int)) error {
	if err := requirePerm(ctx, permImport); err != nil {
		return err
	}
	g := &demoGen{s: s, r: rnd, now: s.now()}
	for done := 0; done < n; {
		size := min(batch, n-done)
		err := s.db.InTx(ctx, func(ctx context.Context) error {
			first, last := int64(0), int64(0)
			for range size {
				id, err := g.one(ctx)
				if err != nil {
					return err
				}
				if first == 0 {
					first = id
				}
				last = id
			}
			if err := g.flushSearch(ctx); err != nil {
				return err
			}
			return s.audit(ctx, "person.demo", "person", 0, map[string]any{"first": first, "last": last})
		})
		if err != nil {
			return err
		}
		done += size
		if progress != nil {
			progress(done)
		}
	}
	return nil
}

// flushSearch writes the batch's search rows, in id order, after every other
// statement of the batch: SQLite flushes FTS5's pending terms to a new
// segment whenever a later statement opens a savepoint, so rows written one
// per profile between the profile's other inserts make a segment per person
// and endless merging (generation slowed from 1,100 to 360 profiles a
// second). Written last, the whole batch becomes one segment at commit. The
// rows are exactly what reindex writes: IndexText of the same fields.
func (g *demoGen) flushSearch(ctx context.Context) error {
	const perStmt = 200
	head := g.s.q.SQL("InsertSearchRows")
	for len(g.search) > 0 {
		rows := g.search[:min(perStmt, len(g.search))]
		g.search = g.search[len(rows):]
		var b strings.Builder
		b.WriteString(head)
		b.WriteByte('\n') // the named query's text may end in a comment
		args := make([]any, 0, 2*len(rows))
		for i, r := range rows {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, " ($%d, $%d)", 2*i+1, 2*i+2)
			args = append(args, r.id, r.body)
		}
		if _, err := g.s.db.W(ctx).ExecContext(ctx, g.s.db.Rebind(b.String()), args...); err != nil {
			return err
		}
	}
	return nil
}

type demoGen struct {
	s    *Service
	r    *rand.Rand
	now  time.Time
	orgs []demoOrg
	prev *demoPerson // the previous individual, to build households
	// search holds the batch's search rows until flushSearch.
	search []demoSearchRow
}

type demoSearchRow struct {
	id   int64
	body string
}

type demoOrg struct {
	id   int64
	name string
	lang string
}

type demoPerson struct {
	id        int64
	loc       *demoLocale
	family    demoName
	household int64
	city      [2]string
}

func (g *demoGen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *demoGen) date(fromYear int) Date {
	start := time.Date(fromYear, 1, 1, 0, 0, 0, 0, time.UTC)
	span := g.now.Sub(start)
	return DateOf(start.Add(time.Duration(g.r.Int64N(int64(span)))))
}

// one creates one profile and returns its id.
func (g *demoGen) one(ctx context.Context) (int64, error) {
	s, r := g.s, g.r
	loc := &demoLocales[r.IntN(len(demoLocales))]
	var in PersonInput
	var emails []string
	var searchFields []string
	isOrg := r.IntN(100) < 8
	given := loc.given[r.IntN(len(loc.given))]
	family := loc.family[r.IntN(len(loc.family))]
	city := [2]string{}
	copy(city[:], loc.cities[r.IntN(len(loc.cities))][:])
	household := int64(0)
	if !isOrg && g.prev != nil && g.prev.loc == loc && r.IntN(100) < 20 {
		// Same family, same home: a household.
		family, city = g.prev.family, g.prev.city
		if g.prev.household == 0 {
			var id int64
			if err := s.q.QueryRowW(ctx, "InsertHousehold", family.native, loc.pick(r, loc.streets), "", city[0], "", "", loc.region, g.now).Scan(&id); err != nil {
				return 0, err
			}
			if _, err := s.q.Exec(ctx, "SetHousehold", g.prev.id, id, g.now); err != nil {
				return 0, err
			}
			g.prev.household = id
		}
		household = g.prev.household
	}
	if isOrg {
		name := fmt.Sprintf(loc.orgs[r.IntN(len(loc.orgs))], family.native)
		in = PersonInput{Kind: Organization, DisplayName: name, Language: loc.lang, Source: SourceDemo}
		emails = append(emails, "info@"+strings.ReplaceAll(family.latin, "'", "")+fmt.Sprint(r.IntN(1000))+"."+loc.domain)
	} else {
		in = PersonInput{Kind: Individual, GivenName: given.native, FamilyName: family.native, Language: loc.lang,
			HouseholdID: household, Source: SourceDemo}
		if r.IntN(100) < 60 {
			bd := DateOf(time.Date(1940+r.IntN(65), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC))
			in.BirthDate = &bd
		}
		if r.IntN(100) < 85 {
			local := strings.ReplaceAll(given.latin+"."+family.latin, "'", "")
			emails = append(emails, fmt.Sprintf("%s%d@%s", local, r.IntN(100), loc.domain))
		}
	}
	in.DisplayName = map[bool]string{true: in.DisplayName, false: derivedDisplayName(in.GivenName, in.FamilyName, in.Language)}[isOrg]
	in.Language = loc.lang
	id, err := s.insertPerson(ctx, in)
	if err != nil {
		return 0, err
	}
	searchFields = append(searchFields, in.DisplayName, in.GivenName, in.FamilyName)

	// Contact points: inserted directly, the first of each kind primary.
	add := func(c contactRow, primary bool) error {
		_, err := s.q.Exec(ctx, "InsertContact", id, string(c.Kind), c.Type, primary, c.value, c.original, c.matchKey,
			c.national, c.Platform, c.Line1, c.Line2, c.City, c.Region, c.Postcode, c.Country, g.now)
		return err
	}
	for i, e := range emails {
		v, key, ok := normalizeEmail(e)
		if !ok {
			continue
		}
		if err := add(contactRow{ContactInput: ContactInput{Kind: Email, Type: TypeHome}, value: v, original: e, matchKey: key}, i == 0); err != nil {
			return 0, err
		}
		searchFields = append(searchFields, v)
	}
	if r.IntN(100) < 75 {
		raw := loc.phone(r)
		if ph, ok := parsePhone(raw, loc.region); ok {
			if err := add(contactRow{ContactInput: ContactInput{Kind: Phone, Type: TypeMobile}, value: ph.e164, original: raw,
				matchKey: ph.e164, national: ph.national}, true); err != nil {
				return 0, err
			}
			searchFields = append(searchFields, ph.e164[1:], textsearch.Digits(ph.national), ph.nsn)
		}
	}
	if r.IntN(100) < 70 {
		pc := city[1] + digits(r, 5-len(strings.TrimRight(city[1], " -")))
		if loc.lang == "ja" {
			pc = city[1] + digits(r, 4)
		} else if loc.lang == "en" {
			pc = city[1] + digits(r, 1) + "AA"
		} else if loc.lang == "fa" {
			pc = city[1] + digits(r, 9)
		}
		a := ContactInput{Kind: Address, Type: TypeHome, Line1: fmt.Sprintf("%s %d", loc.pick(r, loc.streets), 1+r.IntN(200)),
			City: city[0], Postcode: pc, Country: loc.region}
		if err := add(contactRow{ContactInput: a, value: formatAddress(a), original: formatAddress(a),
			matchKey: strings.ReplaceAll(pc, " ", "")}, true); err != nil {
			return 0, err
		}
	}

	// Roles, overlapping over the years.
	var roles []RoleInput
	if isOrg {
		if r.IntN(100) < 40 {
			roles = append(roles, RoleInput{Role: RolePartner, Start: g.date(2008)})
		}
		if r.IntN(100) < 50 {
			roles = append(roles, RoleInput{Role: RoleDonor, Start: g.date(2010)})
		}
	} else {
		if r.IntN(100) < 30 {
			st := g.date(2005)
			cr := RoleInput{Role: RoleClient, Subtype: ClientSubtypes[r.IntN(len(ClientSubtypes))], Start: st, Program: "Programme " + fmt.Sprint(1+r.IntN(9))}
			if r.IntN(100) < 60 {
				end := DateOf(st.Time().AddDate(0, 3+r.IntN(30), 0))
				if end.Before(DateOf(g.now)) {
					cr.End = &end
					if r.IntN(100) < 50 { // a former client who now gives or volunteers
						later := DateOf(end.Time().AddDate(0, 1+r.IntN(24), 0))
						if later.Before(DateOf(g.now)) {
							roles = append(roles, RoleInput{Role: []string{RoleDonor, RoleVolunteer}[r.IntN(2)], Start: later})
						}
					}
				}
			}
			roles = append(roles, cr)
		}
		for _, x := range []struct {
			role string
			pct  int
		}{{RoleDonor, 40}, {RoleVolunteer, 18}, {RoleMember, 15}, {RoleBoard, 1}, {RoleStaff, 1}} {
			if r.IntN(100) < x.pct {
				ri := RoleInput{Role: x.role, Start: g.date(2005)}
				if r.IntN(100) < 25 {
					end := DateOf(ri.Start.Time().AddDate(1+r.IntN(5), 0, 0))
					if end.Before(DateOf(g.now)) {
						ri.End = &end
					}
				}
				roles = append(roles, ri)
			}
		}
	}
	for _, ri := range roles {
		if _, err := s.insertRole(ctx, id, ri); err != nil {
			return 0, err
		}
	}

	// Consent and preferences.
	if len(emails) > 0 {
		switch x := r.IntN(100); {
		case x < 40:
			if err := s.setConsent(ctx, id, ConsentInput{Channel: ChannelEmail, Purpose: PurposeNewsletter, Status: OptIn, Source: SourceWebForm, At: g.date(2012).Time()}); err != nil {
				return 0, err
			}
		case x < 50:
			if err := s.setConsent(ctx, id, ConsentInput{Channel: ChannelEmail, Purpose: PurposeFundraising, Status: OptOut, Source: "unsubscribe link", At: g.date(2015).Time()}); err != nil {
				return 0, err
			}
		}
	}
	if r.IntN(100) < 5 {
		if err := s.setConsent(ctx, id, ConsentInput{Channel: ChannelSMS, Status: OptOut, Source: "phone call", At: g.date(2016).Time()}); err != nil {
			return 0, err
		}
	}
	if r.IntN(100) < 1 {
		if err := s.setDoNotContact(ctx, id, false, true, "letter", "", g.date(2018).Time()); err != nil {
			return 0, err
		}
	}

	// Notes, special requests, tags.
	if r.IntN(100) < 20 {
		body := loc.pick(r, loc.notes)
		if _, err := s.addEvent(ctx, Event{PersonID: id, Kind: EventNote, OccurredAt: g.date(2015).Time(), TitleKey: "people.event.note", Body: body}); err != nil {
			return 0, err
		}
		searchFields = append(searchFields, body)
	}
	if r.IntN(100) < 3 {
		if err := s.q.QueryRowW(ctx, "InsertSpecialRequest", id, loc.pick(r, loc.requests), g.now, nil).Scan(new(int64)); err != nil {
			return 0, err
		}
	}
	for range r.IntN(3) {
		if err := s.tagPerson(ctx, id, g.pick(demoTags)); err != nil {
			return 0, err
		}
	}

	// Employers and spouses.
	if !isOrg && len(g.orgs) > 0 && r.IntN(100) < 12 {
		o := g.orgs[r.IntN(len(g.orgs))]
		if err := s.q.QueryRowW(ctx, "InsertRelationship", id, o.id, RelEmployee, "", "", nil, nil, "", g.now).Scan(new(int64)); err != nil {
			return 0, err
		}
		searchFields = append(searchFields, o.name)
	}
	if household != 0 {
		if err := s.q.QueryRowW(ctx, "InsertRelationship", g.prev.id, id, RelSpouse, "", "", nil, nil, "", g.now).Scan(new(int64)); err != nil {
			return 0, err
		}
	}
	if isOrg {
		g.orgs = append(g.orgs, demoOrg{id: id, name: in.DisplayName, lang: loc.lang})
		if len(g.orgs) > 500 {
			g.orgs = g.orgs[1:]
		}
	} else {
		g.prev = &demoPerson{id: id, loc: loc, family: family, household: household, city: city}
	}
	if r.IntN(100) < 2 {
		data, _ := json.Marshal(map[string]any{"amount": 1000 * (1 + r.IntN(50)), "currency": map[string]string{"tr": "TRY", "fr": "EUR", "fi": "EUR", "ja": "JPY", "fa": "IRR", "en": "GBP"}[loc.lang]})
		if _, err := s.addEvent(ctx, Event{PersonID: id, Kind: "gift", OccurredAt: g.date(2018).Time(), TitleKey: "giving.event.gift", Data: data}); err != nil {
			return 0, err
		}
	}
	g.search = append(g.search, demoSearchRow{id, textsearch.IndexText(searchFields...)})
	return id, nil
}

func (l *demoLocale) pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }
