package bake

import "testing"

// benchPNG is a ~200 KB noise PNG with an OB 3.0 credential baked in.
func benchPNG(b *testing.B) (clean, baked []byte) {
	clean = testPNG(b, 224, 224, true)
	baked, err := BakePNG(clean, KeywordOB3, []byte(ob3JSON))
	if err != nil {
		b.Fatal(err)
	}
	return clean, baked
}

func BenchmarkUnbakePNG(b *testing.B) {
	_, baked := benchPNG(b)
	b.SetBytes(int64(len(baked)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UnbakePNG(baked); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBakePNG(b *testing.B) {
	clean, _ := benchPNG(b)
	payload := []byte(ob3JSON)
	b.SetBytes(int64(len(clean)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BakePNG(clean, KeywordOB3, payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnbakeSVG(b *testing.B) {
	svg, err := BakeSVG([]byte(plainSVG), ElementCredential, []byte(ob3JSON), "")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(svg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UnbakeSVG(svg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBakeSVG(b *testing.B) {
	svg := []byte(plainSVG)
	payload := []byte(ob3JSON)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BakeSVG(svg, ElementCredential, payload, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnbakePNG1MiB: the figure, a baked PNG of about 1 MiB
// (noise does not compress, so 512×512 RGBA is ~1 MiB).
func BenchmarkUnbakePNG1MiB(b *testing.B) {
	clean := testPNG(b, 512, 512, true)
	baked, err := BakePNG(clean, KeywordOB2, []byte(ob3JSON))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(baked)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UnbakePNG(baked); err != nil {
			b.Fatal(err)
		}
	}
}
