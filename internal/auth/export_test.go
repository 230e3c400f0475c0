package auth

// PasswordHashOf exposes the stored hash to the external tests (rehash checks).
func PasswordHashOf(u User) string { return u.passwordHash }
