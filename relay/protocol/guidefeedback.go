package protocol

import "errors"

// MaxFeedbackComment caps the comment of a guide.feedback, in bytes.
const MaxFeedbackComment = 1000

// GuideFeedback (C→R) is what a person wrote with "Something wrong with
// this step?" while following a guide; the relay stores it for the guide's
// editors and replies ack. GuideID must name a guide the relay knows (a
// built-in one or one of the organisation's), else the reply is error
// not_found and nothing is stored. Reports share the per-address rate of
// outcome.report.
type GuideFeedback struct {
	GuideID    string `json:"guide_id"`
	StepID     string `json:"step_id,omitempty"`
	Comment    string `json:"comment,omitempty"`
	OS         string `json:"os,omitempty"`
	AppVersion string `json:"app_version,omitempty"`
}

// Validate checks field limits; guide_id is required.
func (f *GuideFeedback) Validate() error {
	return errors.Join(check("guide_id", f.GuideID, MaxIDLen, true),
		check("step_id", f.StepID, MaxIDLen, false),
		check("comment", f.Comment, MaxFeedbackComment, false),
		check("os", f.OS, MaxShortText, false),
		check("app_version", f.AppVersion, MaxShortText, false))
}
