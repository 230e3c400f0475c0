package people

import (
	"sort"
	"strings"
)

// Field is what a CSV column is imported into (and the header of an export
// column). Custom fields are "custom:<key>".
type Field string

// Import and export fields.
const (
	FIgnore          Field = "ignore"
	FExternalID      Field = "external_id"
	FKind            Field = "kind"
	FIsOrganization  Field = "is_organization"
	FDisplayName     Field = "display_name"
	FGivenName       Field = "given_name"
	FFamilyName      Field = "family_name"
	FOrgName         Field = "organization_name"
	FGreetingName    Field = "greeting_name"
	FSortName        Field = "sort_name"
	FLanguage        Field = "language"
	FPronouns        Field = "pronouns"
	FBirthDate       Field = "birth_date"
	FEmail           Field = "email"
	FEmailWork       Field = "email_work"
	FEmailOther      Field = "email_other"
	FPhone           Field = "phone"
	FPhoneMobile     Field = "phone_mobile"
	FPhoneHome       Field = "phone_home"
	FPhoneWork       Field = "phone_work"
	FStreet          Field = "street"
	FStreet2         Field = "street2"
	FCity            Field = "city"
	FRegion          Field = "region"
	FPostcode        Field = "postcode"
	FCountry         Field = "country"
	FTags            Field = "tags"
	FNote            Field = "note"
	FRoles           Field = "roles"
	FRoleStart       Field = "role_start"
	FEmailOptOut     Field = "email_opt_out"
	FPhoneOptOut     Field = "phone_opt_out"
	FPostOptOut      Field = "post_opt_out"
	FNewsletterOptIn Field = "newsletter_opt_in"
	FDoNotContact    Field = "do_not_contact"
	FID              Field = "id" // export only: Hearken's own id
)

// importFields are the fields a column may be mapped to, in form order.
var importFields = []Field{FExternalID, FKind, FIsOrganization, FDisplayName, FGivenName, FFamilyName, FOrgName,
	FGreetingName, FSortName, FLanguage, FPronouns, FBirthDate, FEmail, FEmailWork, FEmailOther, FPhone,
	FPhoneMobile, FPhoneHome, FPhoneWork, FStreet, FStreet2, FCity, FRegion, FPostcode, FCountry, FTags, FNote,
	FRoles, FRoleStart, FEmailOptOut, FPhoneOptOut, FPostOptOut, FNewsletterOptIn, FDoNotContact}

// ImportFields lists the fields a column may be mapped to (plus "custom:<key>").
func ImportFields() []Field { return importFields }

// Mapping maps CSV column headers to fields.
type Mapping map[string]Field

// Preset is a ready mapping for another CRM's export, with how that CRM
// writes dates, and the source its external ids belong to.
type Preset struct {
	Name       string  `json:"name"`
	Source     string  `json:"source"`
	MonthFirst bool    `json:"month_first"` // 05/01/2019 is May 1st (US exports)
	Mapping    Mapping `json:"mapping"`
}

// Presets are the mappings offered for well-known exports. "hearken" reads
// Hearken's own export; "generic" recognizes common headers in the six
// languages.
var Presets = map[string]Preset{
	"civicrm": {Name: "CiviCRM", Source: "civicrm", Mapping: Mapping{
		"Contact ID": FExternalID, "Internal Contact ID": FExternalID, "Contact Type": FKind,
		"Display Name": FDisplayName, "First Name": FGivenName, "Last Name": FFamilyName,
		"Organization Name": FOrgName, "Nick Name": FGreetingName, "Sort Name": FSortName,
		"Preferred Language": FLanguage, "Birth Date": FBirthDate, "Email": FEmail, "Phone": FPhone,
		"Street Address": FStreet, "Supplemental Address 1": FStreet2, "City": FCity,
		"State": FRegion, "State/Province": FRegion, "Postal Code": FPostcode, "Country": FCountry,
		"Tag(s)": FTags, "Tags": FTags, "Group(s)": FTags, "Do Not Email": FEmailOptOut, "Do Not Phone": FPhoneOptOut,
		"Do Not Mail": FPostOptOut, "No Bulk Emails (User Opt Out)": FEmailOptOut, "Do Not Trade": FIgnore,
		"Note": FNote, "Pronoun": FPronouns,
	}},
	"salesforce_npsp": {Name: "Salesforce NPSP (DataImport__c)", Source: "salesforce", MonthFirst: true, Mapping: Mapping{
		"Contact1Imported__c": FExternalID, "Contact1_Firstname__c": FGivenName, "Contact1_Lastname__c": FFamilyName,
		"Contact1_Personal_Email__c": FEmail, "Contact1_Work_Email__c": FEmailWork, "Contact1_Alternate_Email__c": FEmailOther,
		"Contact1_Other_Email__c": FEmailOther, "Contact1_Home_Phone__c": FPhoneHome, "Contact1_Mobile_Phone__c": FPhoneMobile,
		"Contact1_Work_Phone__c": FPhoneWork, "Contact1_Other_Phone__c": FPhone, "Contact1_Birthdate__c": FBirthDate,
		"Contact1_Salutation__c": FIgnore, "Home_Street__c": FStreet, "Home_City__c": FCity,
		"Home_State_Province__c": FRegion, "Home_Zip_Postal_Code__c": FPostcode, "Home_Country__c": FCountry,
		"Account1_Name__c": FOrgName, "Contact1_Preferred_Language__c": FLanguage,
		"Contact1_HasOptedOutOfEmail__c": FEmailOptOut, "Contact1_DoNotCall__c": FPhoneOptOut,
		"Contact1_Do_Not_Contact__c": FDoNotContact,
	}},
	"bloomerang": {Name: "Bloomerang", Source: "bloomerang", MonthFirst: true, Mapping: Mapping{
		"Account Number": FExternalID, "Account ID": FExternalID, "Type": FKind, "Name": FDisplayName,
		"Full Name": FDisplayName, "First Name": FGivenName, "First": FGivenName, "Last Name": FFamilyName, "Last": FFamilyName,
		"Informal Name": FGreetingName, "Sort Name": FSortName, "Email": FEmail, "Email Address": FEmail,
		"Primary Email Address": FEmail, "Phone": FPhone, "Phone Number": FPhone, "Primary Phone Number": FPhone,
		"Street": FStreet, "Primary Street": FStreet, "City": FCity, "Primary City": FCity, "State": FRegion,
		"Primary State": FRegion, "ZIP Code": FPostcode, "Primary ZIP Code": FPostcode, "Country": FCountry,
		"Primary Country": FCountry, "Birthdate": FBirthDate, "Email Opt Out": FEmailOptOut, "Do Not Contact": FDoNotContact,
		"Employer": FOrgName,
	}},
	"littlegreenlight": {Name: "Little Green Light", Source: "lgl", MonthFirst: true, Mapping: Mapping{
		"LGL Constituent ID": FExternalID, "Constituent ID": FExternalID, "Is Org": FIsOrganization, "Org Name": FOrgName,
		"First Name": FGivenName, "Last Name": FFamilyName, "Name": FDisplayName, "Nick Name": FGreetingName,
		"Sort Name": FSortName, "Email Address": FEmail, "Pref Email": FEmail, "Email": FEmail,
		"Phone Number": FPhone, "Pref Phone": FPhone, "Street": FStreet, "Address Lines": FStreet, "City": FCity,
		"State": FRegion, "Postal Code": FPostcode, "Zip": FPostcode, "Country": FCountry, "Birthday": FBirthDate,
		"Keywords": FTags, "Groups": FTags, "Notes": FNote, "Email Opt Out": FEmailOptOut, "Do Not Contact": FDoNotContact,
	}},
	"generic": {Name: "Generic", Source: SourceImport, Mapping: Mapping{
		"id": FExternalID, "external id": FExternalID, "name": FDisplayName, "full name": FDisplayName,
		"first name": FGivenName, "firstname": FGivenName, "given name": FGivenName, "last name": FFamilyName,
		"lastname": FFamilyName, "surname": FFamilyName, "family name": FFamilyName, "organization": FOrgName,
		"organisation": FOrgName, "company": FOrgName, "email": FEmail, "e-mail": FEmail, "email address": FEmail,
		"phone": FPhone, "mobile": FPhoneMobile, "telephone": FPhone, "address": FStreet, "street": FStreet,
		"city": FCity, "postcode": FPostcode, "postal code": FPostcode, "zip": FPostcode, "country": FCountry,
		"birth date": FBirthDate, "birthday": FBirthDate, "date of birth": FBirthDate, "language": FLanguage,
		"tags": FTags, "notes": FNote, "note": FNote,
		// Turkish
		"ad": FGivenName, "adı": FGivenName, "soyad": FFamilyName, "soyadı": FFamilyName, "ad soyad": FDisplayName,
		"e-posta": FEmail, "eposta": FEmail, "telefon": FPhone, "cep telefonu": FPhoneMobile, "adres": FStreet,
		"şehir": FCity, "il": FCity, "posta kodu": FPostcode, "ülke": FCountry, "doğum tarihi": FBirthDate,
		// French
		"prénom": FGivenName, "nom": FFamilyName, "nom complet": FDisplayName, "courriel": FEmail,
		"téléphone": FPhone, "portable": FPhoneMobile, "adresse": FStreet, "ville": FCity, "code postal": FPostcode,
		"pays": FCountry, "date de naissance": FBirthDate, "langue": FLanguage,
		// Finnish
		"etunimi": FGivenName, "sukunimi": FFamilyName, "nimi": FDisplayName, "sähköposti": FEmail,
		"puhelin": FPhone, "matkapuhelin": FPhoneMobile, "osoite": FStreet, "katuosoite": FStreet,
		"postitoimipaikka": FCity, "kaupunki": FCity, "postinumero": FPostcode, "maa": FCountry, "syntymäaika": FBirthDate,
		// Japanese
		"名": FGivenName, "姓": FFamilyName, "氏名": FDisplayName, "名前": FDisplayName, "メール": FEmail,
		"メールアドレス": FEmail, "電話番号": FPhone, "携帯電話": FPhoneMobile, "住所": FStreet, "市区町村": FCity,
		"都道府県": FRegion, "郵便番号": FPostcode, "国": FCountry, "生年月日": FBirthDate,
		// Persian
		"نام": FGivenName, "نام خانوادگی": FFamilyName, "نام کامل": FDisplayName, "ایمیل": FEmail,
		"پست الکترونیک": FEmail, "تلفن": FPhone, "موبایل": FPhoneMobile, "تلفن همراه": FPhoneMobile, "نشانی": FStreet,
		"آدرس": FStreet, "شهر": FCity, "کد پستی": FPostcode, "کشور": FCountry, "تاریخ تولد": FBirthDate,
	}},
}

func init() {
	// Hearken's own export headers are the field names.
	m := Mapping{}
	for _, f := range importFields {
		m[string(f)] = f
	}
	Presets["hearken"] = Preset{Name: "Hearken", Source: SourceImport, Mapping: m}
}

// headerKey matches headers loosely: case, surrounding space and a BOM do not
// matter.
func headerKey(h string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
}

// PresetNames lists the preset keys, sorted.
func PresetNames() []string {
	var out []string
	for k := range Presets {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
