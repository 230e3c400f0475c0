package demo

import (
	"database/sql"
	"embed"
	"errors"

	"github.com/hearken-org/hearken/internal/db"
)

//go:embed queries migrations
var queryFS embed.FS

// Module is the demo generator's bookkeeping table.
func Module() db.Module { return db.Module{Name: "demo", FS: queryFS, Dir: "migrations"} }

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
