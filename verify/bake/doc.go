// Package bake reads and writes Open Badges data embedded ("baked") in PNG
// and SVG images: Open Badges 1.x/2.0 (`openbadges`, `<openbadges:assertion>`),
// Open Badges 3.0 (`openbadgecredential`, `<openbadges:credential>`) and
// CLR 2.0 (`clrcredential`, `<…:credential>` in the CLR namespace).
//
// It is a pure leaf: byte slices in, byte slices out, standard library only,
// no storage, no network. It never interprets the payload: whether the text
// is JSON, a compact JWS or a hosted-assertion URL, and whether it verifies,
// is the caller's business (package verify).
//
// # Sources
//
// 1EdTech Open Badges 2.0 "Badge Baking" (ob_v2p0/baking), Open Badges 3.0
// §5.3 "Baked Badge" (ob_v3p0/docformat.md), and the 1EdTech validator's
// PngParser/SvgParser; see research/credentials.md §a.3 and §b.2.
//
// # Decisions
//
//   - Limits. Images are refused above [MaxImageBytes] (4 MiB, the same cap
//     internal/netx puts on fetched images, so anything we can download we can
//     unbake; the largest conformance fixture is 85 KB). Payloads are refused
//     above [MaxPayloadBytes] (1 MiB, the JSON cap of the verification
//     pipeline). SVG elements may nest [MaxSVGDepth] deep. BakePNG and BakeSVG
//     refuse to produce an image over MaxImageBytes, so whatever we bake we can
//     unbake again.
//
//   - PNG: every chunk's CRC is checked and the file must start with IHDR and
//     reach IEND (bytes after IEND are ignored when reading and dropped when
//     baking). Badge chunks are iTXt or tEXt chunks whose keyword is
//     openbadgecredential, clrcredential or openbadges (exact, case-sensitive).
//     When several are present the choice is deterministic and prefers the
//     newest format: iTXt openbadgecredential, iTXt clrcredential, iTXt
//     openbadges, then tEXt in the same keyword order (tEXt openbadges is the
//     pre-2.0 "hosted URL" form; tEXt is Latin-1 and is converted to UTF-8).
//     Within one rank the first in file order wins (the specs say "the first
//     chunk"). Extra badge chunks produce a warning in [Baked.Warnings].
//
//   - Compressed text is refused: the specs say "Compression MUST NOT be
//     used" and the issue asks for uncompressed iTXt only; no fixture is
//     compressed. A compressed iTXt (or zTXt) with a badge keyword is skipped;
//     if it is the only badge chunk, Unbake fails with [ErrCompressed].
//     Refusing also means we never run a decompressor on hostile input.
//
//   - SVG namespaces. The brief named "https://openbadges.org"; the specs say
//     otherwise, and we follow the specs and the 1EdTech validator: OB 2.0
//     `http://openbadges.org` (element assertion), OB 3.0
//     `https://purl.imsglobal.org/ob/v3p0` (element credential), CLR 2.0
//     `https://purl.imsglobal.org/clr/v2p0` (element credential). Readers also
//     accept `https://openbadges.org`, a trailing slash, and the
//     `https://purl.imsglobal.org/spec/ob/v3p0` / `/spec/clr/v2p0` spellings
//     seen in the wild. Prefix fallback: an element literally named
//     `openbadges:assertion` or `openbadges:credential` matches whatever the
//     prefix is bound to (or when it is not declared at all), as the
//     concentricsky bakery matches the tag name; [Baked.Warnings] says so.
//     When both an assertion and a credential are present, the credential
//     wins; otherwise the first in document order.
//
//   - SVG safety. The document is parsed with encoding/xml in strict mode with
//     no custom entities, so only the five predefined entities and character
//     references exist; encoding/xml never loads a DTD or expands a declared
//     entity. On top of that any DTD internal subset (`<!DOCTYPE svg [ … ]>`)
//     and any other markup declaration (`<!ENTITY …>`, `<!ELEMENT …>`) is
//     refused with [ErrDTD] before the root element is read, so a "billion
//     laughs" document costs one token. A DOCTYPE that only names an external
//     DTD (`<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "…svg11.dtd">`) is
//     accepted and never fetched: the 1EdTech OB 3.0 fixtures and most
//     Illustrator/Inkscape exports carry one. Only UTF-8 (and its ASCII subset)
//     is accepted; the whole document must be well-formed with an <svg> root.
//
//   - Payload. [Baked.Payload] is the embedded text with leading and trailing
//     whitespace (space, tab, CR, LF) removed, otherwise byte for byte. SVG
//     readers must trim (CDATA is indented in every real file); trimming PNG
//     text too keeps the two kinds consistent and is harmless for JSON,
//     compact JWS and URLs. In SVG the element's character data (CDATA or
//     text) is the payload; when it is empty the verify= attribute is (OB 2.0
//     signed, OB 3.0 VC-JWT, hosted URL). [Baked.Verify] always carries the raw
//     verify= attribute when present, so OB 2.0 hosted SVGs give both the
//     assertion JSON and its URL.
//
//   - Baking is byte-preserving: BakePNG copies every other chunk verbatim and
//     inserts one uncompressed iTXt right after IHDR; BakeSVG edits the source
//     text in place (it never re-serialises the XML), removes every existing
//     badge element, declares xmlns:openbadges on the root <svg> (rewriting a
//     declaration bound to another URI) and inserts the new element as the
//     root's first child with the literal prefix "openbadges", which the
//     concentricsky bakery requires. Only if the document itself uses the
//     "openbadges" prefix for something else (the root, an attribute,
//     another element) is the root left alone and the namespace declared on
//     the inserted element instead, so nothing else changes meaning.
package bake
