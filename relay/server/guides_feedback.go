package server

// guide.feedback from desktops: stored for the guide's editors.

import (
	"context"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/relay/store"
)

func (s *Server) guideFeedback(ctx context.Context, c *clientConn, id string, p *protocol.GuideFeedback) {
	known, err := s.guides.guideKnown(ctx, p.GuideID)
	if err != nil {
		s.log.Error("look up guide", "err", err)
		c.replyError(id, protocol.CodeInternal, "could not store the feedback; try again later")
		return
	}
	if !known {
		c.replyError(id, protocol.CodeNotFound, "the help desk has no such guide")
		return
	}
	err = s.guides.st.AddGuideFeedback(ctx, store.GuideFeedback{GuideID: p.GuideID, StepID: p.StepID, Comment: p.Comment, OS: p.OS, AppVersion: p.AppVersion, At: s.now()})
	if err != nil {
		s.log.Error("store guide feedback", "err", err)
		c.replyError(id, protocol.CodeInternal, "could not store the feedback; try again later")
		return
	}
	c.enqueue(s.encode(protocol.TypeAck, id, "", nil))
}
