package wallet

import (
	"archive/zip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/cairn-pl/cairn/internal/store"
)

// ArchiveFormat names the export format in index.json.
const ArchiveFormat = "cairn-wallet/1"

// Limits on an archive given to ImportArchive.
const (
	MaxArchiveEntries = 2000
	MaxArchiveTotal   = 256 << 20 // uncompressed bytes, all entries together
	// Each entry is at most MaxImportBytes uncompressed.
)

const archiveIndex = "index.json"
const archiveDir = "credentials/"

// archiveExt is the file extension of each original type.
var archiveExt = map[string]string{
	TypePNG:  "png",
	TypeSVG:  "svg",
	TypeJSON: "json",
	TypeJWS:  "jws",
	TypeURL:  "txt",
}

type archiveIndexDoc struct {
	Format      string             `json:"format"`
	ExportedAt  string             `json:"exported_at"`
	Credentials []archiveIndexItem `json:"credentials"`
}

type archiveIndexItem struct {
	File         string `json:"file"`
	OriginalType string `json:"original_type"`
	SourceURL    string `json:"source_url"`
	CredentialID string `json:"credential_id"`
	Digest       string `json:"digest"`
	ImportedAt   string `json:"imported_at"`
}

// Export writes a zip of every credential's original file under
// credentials/<id>.<ext> plus index.json describing them. It reads one
// consistent snapshot and holds one original in memory at a time.
func (s *Service) Export(ctx context.Context, w io.Writer) error {
	tx, err := s.db.R.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return store.MapErr(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id, original_type, source_url, credential_id, digest, imported_at
		FROM credentials ORDER BY id`)
	if err != nil {
		return store.MapErr(err)
	}
	idx := archiveIndexDoc{Format: ArchiveFormat, ExportedAt: s.now().UTC().Format(time.RFC3339), Credentials: []archiveIndexItem{}}
	var ids []int64
	for rows.Next() {
		var id, imported int64
		var it archiveIndexItem
		if err := rows.Scan(&id, &it.OriginalType, &it.SourceURL, &it.CredentialID, &it.Digest, &imported); err != nil {
			rows.Close()
			return store.MapErr(err)
		}
		ext := archiveExt[it.OriginalType]
		if ext == "" {
			ext = "bin"
		}
		it.File = fmt.Sprintf("%s%d.%s", archiveDir, id, ext)
		it.ImportedAt = store.Time(imported).Format(time.RFC3339)
		idx.Credentials = append(idx.Credentials, it)
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return store.MapErr(err)
	}

	zw := zip.NewWriter(w)
	body, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	if err := writeZipFile(zw, archiveIndex, body); err != nil {
		return err
	}
	for i, id := range ids {
		var data []byte
		if err := tx.QueryRowContext(ctx, "SELECT original FROM credentials WHERE id = ?", id).Scan(&data); err != nil {
			return store.MapErr(err)
		}
		if err := writeZipFile(zw, idx.Credentials[i].File, data); err != nil {
			return err
		}
	}
	return zw.Close()
}

func writeZipFile(zw *zip.Writer, name string, data []byte) error {
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now().UTC()})
	if err != nil {
		return err
	}
	_, err = fw.Write(data)
	return err
}

// Archive entry outcomes.
const (
	EntryAdded   = "added"
	EntryPresent = "present" // already in the wallet: refreshed, not duplicated
	EntryError   = "error"
)

// ArchiveEntry is what became of one credential of an archive.
type ArchiveEntry struct {
	File   string
	Status string // EntryAdded, EntryPresent or EntryError
	ID     int64  // the wallet's credential id, when imported
	Reason string // why, for EntryError
}

// ArchiveReport is the outcome of ImportArchive, entry by entry in index
// order.
type ArchiveReport struct {
	Entries                []ArchiveEntry
	Added, Present, Failed int
}

func archiveErr(format string, args ...any) error {
	return &ValidationError{Msg: "not a Cairn wallet export: " + fmt.Sprintf(format, args...)}
}

// safeArchiveName says whether name is a plain relative path with no way
// out of the archive's root.
func safeArchiveName(name string) bool {
	if name == "" || strings.ContainsAny(name, "\\\x00:") || strings.HasPrefix(name, "/") {
		return false
	}
	for _, part := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return path.Clean(name) == strings.TrimSuffix(name, "/")
}

// ImportArchive restores credentials from a zip made by Export. The whole
// archive is checked first (names, counts, declared and actual sizes, the
// index, every file's digest) without storing anything, so a broken or
// foreign archive is refused with a ValidationError and changes nothing.
// Then each original is imported with Import, which recognises credentials
// already in the wallet; the report says what became of each. A failure of
// the store itself stops the import and is returned with the report so far.
func (s *Service) ImportArchive(ctx context.Context, r io.ReaderAt, size int64) (ArchiveReport, error) {
	var rep ArchiveReport
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return rep, archiveErr("the file is not a readable zip archive (%v)", err)
	}
	if len(zr.File) > MaxArchiveEntries {
		return rep, archiveErr("it has %d entries, more than %d", len(zr.File), MaxArchiveEntries)
	}
	files := make(map[string]*zip.File, len(zr.File))
	var total uint64
	for _, f := range zr.File {
		if !safeArchiveName(f.Name) {
			return rep, archiveErr("the entry name %q is not a safe relative path", f.Name)
		}
		if _, dup := files[f.Name]; dup {
			return rep, archiveErr("the entry %q appears twice", f.Name)
		}
		files[f.Name] = f
		if f.FileInfo().IsDir() {
			continue
		}
		if f.UncompressedSize64 > MaxImportBytes {
			return rep, archiveErr("the entry %q is larger than %d MiB", f.Name, MaxImportBytes>>20)
		}
		total += f.UncompressedSize64
		if total > MaxArchiveTotal {
			return rep, archiveErr("its files add up to more than %d MiB", MaxArchiveTotal>>20)
		}
	}

	idxFile, ok := files[archiveIndex]
	if !ok {
		return rep, archiveErr("it has no %s", archiveIndex)
	}
	var actual int64
	body, err := readZipFile(idxFile, &actual)
	if err != nil {
		return rep, err
	}
	var idx archiveIndexDoc
	if err := json.Unmarshal(body, &idx); err != nil {
		return rep, archiveErr("%s is not valid JSON (%v)", archiveIndex, err)
	}
	if idx.Format != ArchiveFormat {
		return rep, archiveErr("%s has format %q, want %q", archiveIndex, idx.Format, ArchiveFormat)
	}
	seen := make(map[string]bool, len(idx.Credentials))
	for _, it := range idx.Credentials {
		if !safeArchiveName(it.File) || !strings.HasPrefix(it.File, archiveDir) {
			return rep, archiveErr("%s names the file %q, which is not under %s", archiveIndex, it.File, archiveDir)
		}
		if seen[it.File] {
			return rep, archiveErr("%s lists %q twice", archiveIndex, it.File)
		}
		seen[it.File] = true
		f, ok := files[it.File]
		if !ok || f.FileInfo().IsDir() {
			return rep, archiveErr("%s lists %q, which the archive does not hold", archiveIndex, it.File)
		}
	}

	// Read every listed file once before storing anything: a damaged entry
	// (bad checksum, size other than declared, digest other than indexed)
	// refuses the whole archive.
	for _, it := range idx.Credentials {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		data, err := readZipFile(files[it.File], &actual)
		if err != nil {
			return rep, err
		}
		if it.Digest != "" && !strings.EqualFold(it.Digest, digest(data)) {
			return rep, archiveErr("%s does not match the digest in %s", it.File, archiveIndex)
		}
	}

	for _, it := range idx.Credentials {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		e := ArchiveEntry{File: it.File}
		var n int64
		data, err := readZipFile(files[it.File], &n)
		if err != nil {
			return rep, err // the archive changed under us
		}
		c, created, err := s.Import(ctx, data, it.SourceURL)
		var ve *ValidationError
		switch {
		case errors.As(err, &ve), errors.Is(err, ErrTooLarge):
			e.Status, e.Reason = EntryError, err.Error()
			rep.Failed++
		case err != nil:
			return rep, fmt.Errorf("import %s: %w", it.File, err)
		case created:
			e.Status, e.ID = EntryAdded, c.ID
			rep.Added++
			if t, err := time.Parse(time.RFC3339, it.ImportedAt); err == nil {
				if _, err := s.db.W.ExecContext(ctx, "UPDATE credentials SET imported_at = ? WHERE id = ?",
					store.Millis(t), c.ID); err != nil {
					return rep, store.MapErr(err)
				}
			}
		default:
			e.Status, e.ID = EntryPresent, c.ID
			rep.Present++
		}
		rep.Entries = append(rep.Entries, e)
	}
	return rep, nil
}

// readZipFile reads one entry, never more than MaxImportBytes of it and
// never more than it declared, adding what it read to *total (which must
// stay within MaxArchiveTotal).
func readZipFile(f *zip.File, total *int64) ([]byte, error) {
	limit := min(int64(f.UncompressedSize64), MaxImportBytes)
	rc, err := f.Open()
	if err != nil {
		return nil, archiveErr("the entry %q cannot be read (%v)", f.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, archiveErr("the entry %q is damaged (%v)", f.Name, err)
	}
	if int64(len(data)) > limit {
		return nil, archiveErr("the entry %q holds more than it declares", f.Name)
	}
	*total += int64(len(data))
	if *total > MaxArchiveTotal {
		return nil, archiveErr("its files add up to more than %d MiB", MaxArchiveTotal>>20)
	}
	return data, nil
}
