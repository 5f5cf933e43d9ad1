package wallet

import (
	"context"
	"fmt"
	"strings"

	"github.com/cairn-pl/cairn/verify/bake"
)

// Baked returns the credential baked into its badge image, for "download
// baked": a PNG or SVG that any backpack can import. A baked original is
// re-baked as it is; a JSON, JWS or URL credential is baked into the badge
// image its report names, fetched through the wallet's fetcher.
func (s *Service) Baked(ctx context.Context, id int64) (img []byte, kind bake.Kind, err error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return nil, "", err
	}
	orig, _, err := s.Original(ctx, id)
	if err != nil {
		return nil, "", err
	}
	keyword := bake.KeywordOB2
	if strings.HasPrefix(c.Format, "ob3") || strings.HasPrefix(c.Format, "clr") {
		keyword = bake.KeywordOB3
	}
	switch c.OriginalType {
	case "png", "svg":
		b, err := bake.Unbake(orig)
		if err != nil {
			return nil, "", &ValidationError{Msg: "the stored image no longer unbakes: " + err.Error()}
		}
		out, err := bake.Bake(orig, b.Keyword, b.Payload)
		return out, b.Kind, err
	}
	if c.Image == "" || strings.HasPrefix(c.Image, "data:") {
		return nil, "", &ValidationError{Msg: "this badge names no image to bake it into"}
	}
	resp, err := s.fetcher.Fetch(ctx, c.Image, "image/png, image/svg+xml")
	if err != nil {
		return nil, "", fmt.Errorf("fetch the badge image: %w", err)
	}
	if resp.Status != 200 {
		return nil, "", &ValidationError{Msg: fmt.Sprintf("the badge image answered %d", resp.Status)}
	}
	kind, ok := bake.Detect(resp.Body)
	if !ok {
		return nil, "", &ValidationError{Msg: "the badge image is neither PNG nor SVG"}
	}
	out, err := bake.Bake(resp.Body, keyword, orig)
	if err != nil {
		return nil, "", &ValidationError{Msg: "could not bake into the badge image: " + err.Error()}
	}
	return out, kind, nil
}
