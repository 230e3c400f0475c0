package people

import (
	"io/fs"
	"testing"
)

// MigrationFile returns a migration's text, for tests that check it.
func MigrationFile(name string) (string, error) {
	b, err := fs.ReadFile(files, "migrations/"+name)
	return string(b), err
}

// SetImportHook sets the hook run at the end of each import batch.
func SetImportHook(s *Service, f func(batch int) error) { s.importHook = f }

func TestSpreadsheetSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")",
		"@SUM(A1)":                 "'@SUM(A1)",
		"+33 1 23 45 67 89":        "+33 1 23 45 67 89",
		"-2.5":                     "-2.5",
		"-2+3":                     "'-2+3",
		"+cmd|' /C calc'!A0":       "'+cmd|' /C calc'!A0",
		"Ayşe":                     "Ayşe",
		"":                         "",
	} {
		if got := spreadsheetSafe(in); got != want {
			t.Errorf("spreadsheetSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
