package protocol

// GuidesChanged (R→C) tells connected desktops that the guide pack
// changed: ETag is the new pack's (GET /api/client/guides, without
// quotes). A desktop already using that pack does nothing.
type GuidesChanged struct {
	ETag string `json:"etag"`
}

// Validate checks field limits; etag is required.
func (g *GuidesChanged) Validate() error {
	return check("etag", g.ETag, MaxIDLen, true)
}
