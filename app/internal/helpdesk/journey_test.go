package helpdesk

import (
	"testing"

	"github.com/lifeline-desk/lifeline/relay/protocol"
	"github.com/lifeline-desk/lifeline/selfhelp/runner"
)

// An outcome reached in a guide an answer opened names that guide and the
// one the person started in; one reached in the first guide names only it.
func TestJourneyOutcomeNamesTheGuideStartedIn(t *testing.T) {
	var got []protocol.InsightEvent
	j := NewJourney(func(evs ...protocol.InsightEvent) { got = append(got, evs...) })
	hop := runner.Record{GuideID: "vpn-wont-connect", Outcome: runner.Fixed, Steps: []runner.StepRecord{
		{StepID: "connect"}, {GuideID: "no-internet", StepID: "router"}}}
	j.Ended(hop)
	j.Ended(runner.Record{GuideID: "vpn-wont-connect", Outcome: runner.Escalated, Steps: []runner.StepRecord{{StepID: "connect"}}})
	if len(got) != 2 {
		t.Fatalf("events %+v", got)
	}
	if e := got[0]; e.Kind != protocol.InsightFixed || e.GuideID != "no-internet" || e.StepID != "router" || e.FromGuideID != "vpn-wont-connect" {
		t.Errorf("hop outcome %+v", e)
	}
	if e := got[1]; e.Kind != protocol.InsightNotWorking || e.GuideID != "vpn-wont-connect" || e.FromGuideID != "" {
		t.Errorf("outcome in the first guide %+v", e)
	}
	hr := HelpRequest{Journey: j.ID(), Guide: &hop}
	if e := escalatedEvent(hr); e == nil || e.GuideID != "no-internet" || e.FromGuideID != "vpn-wont-connect" {
		t.Errorf("escalation after a hop %+v", e)
	}
}
