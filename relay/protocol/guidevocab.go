package protocol

// GuideState is where a guide stands for desktops, as the console's Guides
// page shows it (GuideSummary.state in relay/API.md).
type GuideState string

// Guide states.
const (
	GuidePublished   GuideState = "published"   // desktops get the organisation's version
	GuideDraft       GuideState = "draft"       // the organisation's guide, never published
	GuideUnpublished GuideState = "unpublished" // was published, is not now
	GuideBuiltin     GuideState = "builtin"     // a built-in guide desktops get as built
	GuideHidden      GuideState = "hidden"      // a built-in guide the organisation hides
)

// GuideStates lists every guide state, in the order above.
func GuideStates() []GuideState {
	return []GuideState{GuidePublished, GuideDraft, GuideUnpublished, GuideBuiltin, GuideHidden}
}

// GuideOrigin says whose a guide is (GuideSummary.origin).
type GuideOrigin string

// Guide origins.
const (
	GuideOriginOrg     GuideOrigin = "org"     // the organisation wrote it
	GuideOriginBuiltin GuideOrigin = "builtin" // built in (the organisation may have its own version of it)
)

// GuideOrigins lists every guide origin, in the order above.
func GuideOrigins() []GuideOrigin { return []GuideOrigin{GuideOriginOrg, GuideOriginBuiltin} }
