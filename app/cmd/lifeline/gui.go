package main

import (
	"context"
	"fmt"
	"os"
)

// runGUI opens the desktop window. The Fyne window arrives with the desktop
// app; until then the headless commands are the way in.
func runGUI(ctx context.Context, args []string) int {
	fmt.Fprintln(os.Stderr, "The Lifeline window is not part of this build yet. Try:")
	fmt.Fprintln(os.Stderr, "  lifeline search \"printer says offline\"")
	fmt.Fprintln(os.Stderr, "  lifeline diagnose")
	return 2
}
