package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/lifeline-desk/lifeline/relay/store"
)

// totpGuard accepts each TOTP time step once per technician, and never a
// step older than the last one accepted. The last step is kept in the
// store (technicians.totp_last_step), so a restart does not reopen a code
// that was already used.
type totpGuard struct {
	st interface {
		ClaimTOTPStep(ctx context.Context, id, step int64) error
	}
}

func newTOTPGuard() *totpGuard { return &totpGuard{} }

// errTOTPReused is returned by claim for a code already used.
var errTOTPReused = errors.New("TOTP code already used")

// claim spends the time step step of techID's codes.
func (g *totpGuard) claim(ctx context.Context, techID, step int64) error {
	err := g.st.ClaimTOTPStep(context.WithoutCancel(ctx), techID, step)
	if errors.Is(err, store.ErrConflict) {
		return errTOTPReused
	}
	if err != nil {
		return fmt.Errorf("claim TOTP step: %w", err)
	}
	return nil
}
