package people

import "io/fs"

// MigrationFile returns a migration's text, for tests that check it.
func MigrationFile(name string) (string, error) {
	b, err := fs.ReadFile(files, "migrations/"+name)
	return string(b), err
}

// SetImportHook sets the hook run at the end of each import batch.
func SetImportHook(s *Service, f func(batch int) error) { s.importHook = f }
