package helpdesk

import (
	"runtime"
	"strings"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// toProtocol maps what the person agreed to send onto the wire format.
func toProtocol(hr HelpRequest) protocol.RequestSubmit {
	req := protocol.RequestSubmit{
		ClientInfo:  protocol.ClientInfo{Name: hr.Name, Contact: hr.Contact, OS: hr.OS, AppVersion: hr.AppVersion},
		Description: hr.Description,
	}
	if g := hr.Guide; g != nil {
		gc := &protocol.GuideContext{GuideID: g.GuideID, GuideTitle: g.GuideTitle, Note: g.Note}
		for _, s := range g.Steps {
			gs := protocol.GuideStep{GuideID: s.GuideID, GuideTitle: s.GuideTitle, StepID: s.StepID, Title: s.Title, Answer: s.Answer}
			if o := s.Opened; o != nil {
				gs.Opened = &protocol.GuideRef{GuideID: o.ID, GuideTitle: o.Title}
			}
			if s.Check != nil {
				gs.Check = &protocol.CheckResult{Name: s.Check.Name, Status: string(s.Check.Status), Detail: s.Check.Detail}
			}
			if f := s.Fix; f != nil {
				if f.Accepted {
					gs.Answer = strings.TrimSpace(gs.Answer + " · Lifeline fix " + f.Name + ": " + f.Result + f.Error)
				} else {
					gs.Answer = strings.TrimSpace(gs.Answer + " · fix " + f.Name + " declined")
				}
			}
			gc.Steps = append(gc.Steps, gs)
		}
		gc.Steps = gc.Steps[:min(len(gc.Steps), protocol.MaxItems)]
		req.Guide = gc
	}
	for _, r := range hr.Diagnostics {
		req.Diagnostics = append(req.Diagnostics, protocol.CheckResult{Name: r.Name, Status: string(r.Status), Detail: r.ForTechnician()})
	}
	req.Diagnostics = req.Diagnostics[:min(len(req.Diagnostics), protocol.MaxItems)]
	return req
}

// info is the ClientInfo of a redeemed code: no name or contact, which
// the person gives the technician on the phone.
func (d *Desk) info() protocol.ClientInfo {
	return protocol.ClientInfo{OS: osInfo(), AppVersion: d.cfg.AppVersion}
}

func osInfo() string { return runtime.GOOS + "/" + runtime.GOARCH }
