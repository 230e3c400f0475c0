package inbox

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/hearken-org/hearken/internal/db"
)

// BlobStore keeps message bytes (raw .eml, attachments) out of the message
// rows. Keys are content addresses ("sha256:<hex>"), so the same file sent to
// many people, or a message delivered twice, is stored once, and a store on
// S3 or a file system can use the same keys. Put and Delete run in the
// caller's transaction when the store is the database.
type BlobStore interface {
	Put(ctx context.Context, data []byte) (key string, err error)
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes the blob if nothing refers to it any more.
	Delete(ctx context.Context, key string) error
}

// ErrBlobTooLarge is returned by Put for data over the store's limit.
var ErrBlobTooLarge = errors.New("inbox: blob too large")

// ErrBlobNotFound is returned by Get for an unknown key.
var ErrBlobNotFound = errors.New("inbox: blob not found")

// BlobKey is the content address of data.
func BlobKey(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// DBBlobStore keeps blobs in the inbox_blobs table: the default, since a
// nonprofit's inbox fits a database and one backup then holds everything.
type DBBlobStore struct {
	db  *db.DB
	q   *db.Queries
	max int64
}

// NewDBBlobStore returns a store refusing blobs over maxBytes.
func NewDBBlobStore(d *db.DB, maxBytes int64) *DBBlobStore {
	return &DBBlobStore{db: d, q: db.MustLoadQueries(d, files, "queries"), max: maxBytes}
}

// Put stores data once per content.
func (b *DBBlobStore) Put(ctx context.Context, data []byte) (string, error) {
	if int64(len(data)) > b.max {
		return "", fmt.Errorf("%w: %d bytes, limit %d", ErrBlobTooLarge, len(data), b.max)
	}
	key := BlobKey(data)
	if _, err := b.q.Exec(ctx, "InsertBlob", key, int64(len(data)), data, db.Now()); err != nil {
		return "", fmt.Errorf("store blob: %w", err)
	}
	return key, nil
}

// Get reads a blob.
func (b *DBBlobStore) Get(ctx context.Context, key string) ([]byte, error) {
	var data []byte
	err := b.q.QueryRow(ctx, "GetBlob", key).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrBlobNotFound
	}
	return data, err
}

// Delete removes an unreferenced blob.
func (b *DBBlobStore) Delete(ctx context.Context, key string) error {
	_, err := b.q.Exec(ctx, "DeleteBlob", key)
	return err
}
