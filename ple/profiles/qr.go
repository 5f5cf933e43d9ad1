package profiles

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	qrcode "github.com/skip2/go-qrcode"
)

// QR codes of share links. The error correction is Quartile (go-qrcode's
// "High", 25% of the code may be lost): a share URL is short, so the code
// stays small (version 4–5, 33–37 modules) while a smudged print, a
// folded CV or glare on a phone screen still scans. Modules are drawn at
// whole pixels, with the four-module quiet zone the standard asks for.
const QRLevel = qrcode.High

// QR sizes: the module size in pixels of the PNG.
const (
	// QRScreen suits a phone or a web page: about 300 px wide.
	QRScreen = "screen"
	// QRPrint suits a printed CV or card: about 1,200 px wide (4 cm at
	// 760 dpi, sharp at any print size).
	QRPrint = "print"
)

// qrPixels is the target width of each size.
var qrPixels = map[string]int{QRScreen: 300, QRPrint: 1200}

// QRSize returns a known size name, QRScreen for anything else.
func QRSize(name string) string {
	if _, ok := qrPixels[name]; ok {
		return name
	}
	return QRScreen
}

// QRPNG draws content as a PNG QR code of the named size.
func QRPNG(content, size string) ([]byte, error) {
	q, err := scannableCode(content)
	if err != nil {
		return nil, err
	}
	bm := q.Bitmap() // quiet zone included
	n := len(bm)
	scale := max(1, qrPixels[QRSize(size)]/n)
	// Two colours, one byte per pixel, rows copied module by module:
	// drawn once here rather than by go-qrcode's per-pixel scaling.
	img := image.NewPaletted(image.Rect(0, 0, n*scale, n*scale), color.Palette{color.White, color.Black})
	row := make([]byte, n*scale)
	for y, line := range bm {
		for x, dark := range line {
			v := byte(0)
			if dark {
				v = 1
			}
			for i := range scale {
				row[x*scale+i] = v
			}
		}
		for i := range scale {
			copy(img.Pix[(y*scale+i)*img.Stride:], row)
		}
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// QRSVG draws content as an SVG QR code: one path, scalable to any size
// (print at will); size only sets the default width and height.
func QRSVG(content, size string) ([]byte, error) {
	q, err := scannableCode(content)
	if err != nil {
		return nil, err
	}
	bm := q.Bitmap()
	n := len(bm)
	var path strings.Builder
	for y, row := range bm {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&path, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
	px := qrPixels[QRSize(size)]
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`, n, n, px, px)
	b.WriteString(`<title>QR code</title>`)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`, n, n)
	fmt.Fprintf(&b, `<path fill="#000" d="%s"/></svg>`, path.String())
	return b.Bytes(), nil
}

// maxCachedQR bounds the drawn codes kept in memory (past it, the cache
// starts over).
const maxCachedQR = 256

// QR returns the QR code of a share link's URL as "png" or "svg" at the
// named size. A token's URL never changes, so each code is drawn once and
// kept.
func (s *Service) QR(token, format, size string) ([]byte, error) {
	size = QRSize(size)
	key := format + "/" + size + "/" + token
	s.qrMu.Lock()
	b, ok := s.qr[key]
	s.qrMu.Unlock()
	if ok {
		return b, nil
	}
	var err error
	if format == "svg" {
		b, err = QRSVG(s.URL(token), size)
	} else {
		b, err = QRPNG(s.URL(token), size)
	}
	if err != nil {
		return nil, err
	}
	s.qrMu.Lock()
	if len(s.qr) >= maxCachedQR {
		s.qr = map[string][]byte{}
	}
	s.qr[key] = b
	s.qrMu.Unlock()
	return b, nil
}

// scannableCode encodes content at QRLevel, and checks that a real
// decoder (ZXing's finder-pattern detector, as phone scanners use) finds
// it: for a few percent of contents the mask go-qrcode picks leaves data
// modules that look like a finder pattern, and the detector misjudges the
// code's size. Then the next error-correction level (another layout and
// mask) is tried; the first that scans is used.
func scannableCode(content string) (*qrcode.QRCode, error) {
	var first *qrcode.QRCode
	for _, level := range []qrcode.RecoveryLevel{QRLevel, qrcode.Highest, qrcode.Medium, qrcode.Low} {
		q, err := qrcode.New(content, level)
		if err != nil {
			if first != nil {
				break
			}
			return nil, err
		}
		if first == nil {
			first = q
		}
		if scans(q, content) {
			return q, nil
		}
	}
	return first, nil
}

// scans decodes the code's bitmap (4 px a module) with ZXing's detector.
func scans(q *qrcode.QRCode, content string) bool {
	bm := q.Bitmap()
	const px = 4
	n := len(bm)
	img := image.NewGray(image.Rect(0, 0, n*px, n*px))
	for y, line := range bm {
		for x, dark := range line {
			v := uint8(255)
			if dark {
				v = 0
			}
			for dy := range px {
				for dx := range px {
					img.Pix[(y*px+dy)*img.Stride+x*px+dx] = v
				}
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return false
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	return err == nil && res.GetText() == content
}
