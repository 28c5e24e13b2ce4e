package cli

import (
	"context"
	"errors"
)

func cmdDiagnose(ctx context.Context, args []string, s IO) error { return errors.New("not yet") }
