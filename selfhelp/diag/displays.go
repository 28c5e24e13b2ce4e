package diag

import "fmt"

// displaysResult says how many screens the computer sees.
func displaysResult(n int) Result {
	switch n {
	case 0:
		return Result{Status: Fail, Detail: "No screen is detected.", Data: 0}
	case 1:
		return Result{Status: OK, Detail: "1 screen is detected. If you have a second one plugged in, the computer does not see it yet.", Data: 1}
	}
	return Result{Status: OK, Detail: fmt.Sprintf("%d screens are detected.", n), Data: n}
}
