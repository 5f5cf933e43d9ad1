package verify

import (
	"crypto/sha256"
	"encoding/json"
	"sync"

	"github.com/cairn-pl/cairn/verify/ld"
)

// schemaMemo remembers schema results by document content: the schema
// check is a pure function of the document, and a wallet re-verifies the
// same documents again and again.
var schemaMemo = struct {
	sync.Mutex
	m map[[32]byte][]string
}{m: map[[32]byte][]string{}}

const maxSchemaMemo = 4096

// validateOB3SchemaMemo is validateOB3Schema, remembered.
func validateOB3SchemaMemo(doc any, kind schemaKind) []string {
	b, err := json.Marshal(doc)
	if err != nil {
		return validateOB3Schema(doc, kind)
	}
	h := sha256.New()
	h.Write([]byte{byte(kind)})
	h.Write(b)
	var key [32]byte
	h.Sum(key[:0])
	schemaMemo.Lock()
	problems, ok := schemaMemo.m[key]
	schemaMemo.Unlock()
	if ok {
		return problems
	}
	problems = validateOB3Schema(doc, kind)
	schemaMemo.Lock()
	if len(schemaMemo.m) >= maxSchemaMemo {
		schemaMemo.m = map[[32]byte][]string{}
	}
	schemaMemo.m[key] = problems
	schemaMemo.Unlock()
	return problems
}

// ForgetResults empties the process-wide memos of schema results and
// canonical forms, so the next verification of any document does the
// whole work again (benchmarks of cold documents use it).
func ForgetResults() {
	ld.ForgetResults()
	schemaMemo.Lock()
	schemaMemo.m = map[[32]byte][]string{}
	schemaMemo.Unlock()
}
