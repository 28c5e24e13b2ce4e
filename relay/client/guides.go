package client

import (
	"context"

	"github.com/lifeline-desk/lifeline/relay/protocol"
)

// SendGuideFeedback sends what a person wrote about a guide's step
// ("Something wrong with this step?") and waits for the relay's ack. A
// guide the relay does not know is an *Error with Code "not_found".
func (c *Client) SendGuideFeedback(ctx context.Context, f protocol.GuideFeedback) error {
	_, err := c.call(ctx, protocol.TypeGuideFeedback, &f)
	return err
}
