package helpdesk

import (
	"context"
	"strconv"

	"github.com/lifeline-desk/lifeline/app/internal/plainerr"
	"github.com/lifeline-desk/lifeline/assist"
)

// ask is the session's Consenter: it puts the question to the window as an
// EventConsent and waits for Answer, or for the session to give up
// (timeout, end).
func (d *Desk) ask(ctx context.Context, req assist.ConsentRequest) (bool, error) {
	d.mu.Lock()
	d.nextAsk++
	id := strconv.Itoa(d.nextAsk)
	ch := make(chan bool, 1)
	d.asks[id] = ch
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.asks, id)
		d.mu.Unlock()
	}()
	kind := ConsentView
	if req.Permission == assist.PermissionControl {
		kind = ConsentControl
	}
	d.emit(Event{Kind: EventConsent, Consent: ConsentRequest{Kind: kind, Technician: req.Technician, ID: id, Recording: req.Recording}})
	select {
	case ok := <-ch:
		return ok, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// Answer replies to a consent question. A question answered already, or
// one the session gave up on, is plainerr.ErrExpired.
func (d *Desk) Answer(_ context.Context, req ConsentRequest, allow bool) error {
	d.mu.Lock()
	ch, ok := d.asks[req.ID]
	delete(d.asks, req.ID)
	d.mu.Unlock()
	if !ok {
		return plainerr.ErrExpired
	}
	ch <- allow // buffered: the only send, as the question is gone from asks
	return nil
}
