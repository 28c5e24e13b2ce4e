package server

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/lifeline-desk/lifeline/relay/auth"
	"github.com/lifeline-desk/lifeline/relay/store"
)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// CreateTechnician validates and stores a new technician account. It is
// shared by the admin API and the lifeline-relay user command.
// params are the argon2id costs (zero: auth.DefaultParams).
func CreateTechnician(ctx context.Context, st store.Accounts, params auth.Params, username, displayName, password string, admin bool, now time.Time) (store.Technician, error) {
	if !usernameRE.MatchString(username) {
		return store.Technician{}, errors.New("user name: use 1–64 lower-case letters, digits, '.', '_' or '-'")
	}
	if len(password) < auth.MinPasswordLen {
		return store.Technician{}, fmt.Errorf("password: use at least %d characters", auth.MinPasswordLen)
	}
	if len(displayName) > 100 {
		return store.Technician{}, errors.New("display name: at most 100 characters")
	}
	h, err := params.Hash(password)
	if err != nil {
		return store.Technician{}, err
	}
	if displayName == "" {
		displayName = username
	}
	t := store.Technician{Username: username, DisplayName: displayName, PasswordHash: h, Admin: admin, CreatedAt: now}
	if err := st.CreateTechnician(ctx, &t); err != nil {
		return store.Technician{}, err
	}
	return t, nil
}
