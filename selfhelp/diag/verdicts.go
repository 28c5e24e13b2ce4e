package diag

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"
)

// This file holds the judgements every platform shares: each platform reads
// its own sources (procfs and sysfs on Linux, the system DLLs on Windows)
// into the small types below, and these functions turn them into the plain
// sentences the person reads and the technical line the technician reads.

// cantCheck is the answer of a check whose system call failed or does not
// exist on this computer: not a fault of the machine.
func cantCheck(call string, err error) Result {
	return Result{Status: Unknown, Detail: "Lifeline couldn't check this on this computer.", Technical: fmt.Sprintf("%s: %v.", call, err)}
}

// adapter is one network adapter as the platform reports it.
type adapter struct {
	Name        string
	Description string
	Up          bool
	Loopback    bool
	Addrs       []net.IP
}

// usableAddr is the adapter's address that can reach beyond the link:
// IPv4 first, else a global IPv6 one; never link-local.
func (a adapter) usableAddr() net.IP {
	for _, ip := range a.Addrs {
		if ip.To4() != nil && !ip.IsLinkLocalUnicast() {
			return ip
		}
	}
	for _, ip := range a.Addrs {
		if ip.IsGlobalUnicast() && !ip.IsLinkLocalUnicast() {
			return ip
		}
	}
	return nil
}

// interfacesResult says whether any adapter other than loopback is up with
// an address.
func interfacesResult(ads []adapter) Result {
	var up []string
	for _, a := range ads {
		if a.Loopback || !a.Up {
			continue
		}
		if ip := a.usableAddr(); ip != nil {
			up = append(up, fmt.Sprintf("%s (%s)", a.Name, ip))
		}
	}
	if len(up) == 0 {
		return Result{Status: Fail, Detail: "This computer is not connected to a network. Check that Wi-Fi is on or the network cable is plugged in."}
	}
	return Result{Status: OK, Detail: "This computer is connected to a network.", Technical: "Adapters up: " + strings.Join(up, ", ") + ".", Data: up}
}

// defaultRoute is a route to everywhere: the adapter it leaves by and the
// router it goes through (unspecified on a point-to-point link).
type defaultRoute struct {
	iface   string
	gateway net.IP
}

// routeResult judges the default routes, best first.
func routeResult(routes []defaultRoute) Result {
	if len(routes) == 0 {
		return result(Fail, "This computer has no route to the internet. It is connected to a network that gives it no way out, or not connected at all.")
	}
	r := routes[0]
	if r.gateway == nil || r.gateway.IsUnspecified() {
		return Result{Status: OK, Detail: "This computer has a way out to the internet.",
			Technical: fmt.Sprintf("Default route: dev %s (point to point).", r.iface), Data: r.iface}
	}
	return Result{Status: OK, Detail: "This computer has a way out to the internet, through the router.",
		Technical: fmt.Sprintf("Default route: via %s dev %s.", r.gateway, r.iface), Data: r.gateway.String()}
}

// gatewayResult asks whether the router of the first default route with
// one answers: a complete neighbour (ARP) entry, or any reply (even a
// refusal) to a TCP connection, proves it is there. No raw sockets, so no
// special rights are needed. neighbour reports a complete entry for an
// address; dial connects (net.Dialer.DialContext in production).
func gatewayResult(ctx context.Context, routes []defaultRoute, neighbour func(net.IP) bool, dial func(ctx context.Context, network, addr string) (net.Conn, error)) Result {
	var gw *defaultRoute
	for _, r := range routes {
		if r.gateway != nil && !r.gateway.IsUnspecified() {
			gw = &r
			break
		}
	}
	if gw == nil {
		if len(routes) > 0 {
			return result(OK, "This connection has no separate router to test.")
		}
		return result(Fail, "There is no router to test: this computer has no route to the internet.")
	}
	answers := Result{Status: OK, Detail: "The router answers.", Technical: fmt.Sprintf("Gateway %s answers.", gw.gateway)}
	if neighbour(gw.gateway) {
		return answers
	}
	for _, port := range []string{"53", "80", "443"} {
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		c, err := dial(dctx, "tcp", net.JoinHostPort(gw.gateway.String(), port))
		cancel()
		if err == nil {
			c.Close()
			return answers
		}
		if connRefused(err) {
			return answers
		}
	}
	return Result{Status: Fail, Detail: "The router does not answer. Restart the router if you are at home, or move closer to it.",
		Technical: fmt.Sprintf("Gateway %s: no neighbour entry and no answer on TCP 53, 80 or 443.", gw.gateway)}
}

// wsaeConnRefused is Winsock's "connection refused" (WSAECONNREFUSED),
// which is not syscall.ECONNREFUSED on Windows.
const wsaeConnRefused = syscall.Errno(10061)

// connRefused reports whether a connection attempt was actively refused.
func connRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, wsaeConnRefused)
}

// wifiLink is one Wi-Fi adapter. Quality is the signal in percent, -1 when
// unknown; SSID is the network's name when the platform says it.
type wifiLink struct {
	Name      string
	Connected bool
	Quality   int
	SSID      string
}

// wifiResult judges the Wi-Fi adapters; radioOff says every Wi-Fi radio is
// switched off (airplane mode, a switch or key).
func wifiResult(links []wifiLink, radioOff bool) Result {
	if radioOff {
		return result(Fail, "Wi-Fi is switched off: airplane mode is on, or the Wi-Fi switch or key (often Fn + F2 or a key with an antenna icon) is off.")
	}
	if len(links) == 0 {
		return result(Unknown, "Lifeline did not find a Wi-Fi adapter on this computer. If it should have one, it may be switched off.")
	}
	for _, l := range links {
		if !l.Connected {
			continue
		}
		technical := fmt.Sprintf("%s up, link quality %d%%.", l.Name, l.Quality)
		network := ""
		if l.SSID != "" {
			technical = fmt.Sprintf("%s up, network %q, link quality %d%%.", l.Name, l.SSID, l.Quality)
			network = fmt.Sprintf(" to the network %q", l.SSID)
		}
		if l.Quality >= 0 && l.Quality < 30 {
			return Result{Status: Warn, Detail: fmt.Sprintf("Wi-Fi is connected%s but the signal is weak (%d%%). Move closer to the Wi-Fi router.", network, l.Quality),
				Technical: technical, Data: l.Quality}
		}
		return Result{Status: OK, Detail: fmt.Sprintf("Wi-Fi is connected%s.", network), Technical: technical, Data: l.Quality}
	}
	return result(Fail, "Wi-Fi is on but not connected to a network. Choose your network from the Wi-Fi menu.")
}

// vpnResult judges the VPN adapters found up; expected is Config.VPNExpected.
func vpnResult(found []string, expected bool) Result {
	if len(found) == 0 {
		if expected {
			return result(Warn, "No VPN connection is active on this computer. Your organisation expects one: connect the VPN, then try again.")
		}
		return result(OK, "No VPN is in use. You only need one to reach work systems from outside the office.")
	}
	return Result{Status: OK, Detail: "A VPN connection is active.", Technical: "VPN adapters up: " + strings.Join(found, ", ") + ".", Data: found}
}

// Printer is one print queue.
type Printer struct {
	Name    string `json:"name"`
	State   string `json:"state"`
	Default bool   `json:"default,omitempty"`
}

// Printer states.
const (
	printerIdle      = "idle"
	printerPrinting  = "printing"
	printerOffline   = "offline"
	printerPaused    = "paused"
	printerAttention = "needs attention"
)

// printingStopped is the answer when the printing service (CUPS, the
// Windows Print Spooler) is installed but not running.
func printingStopped() Result {
	return result(Fail, "The printing service on this computer is not running. Restarting the computer usually starts it again.")
}

// printersResult lists the printers; one that cannot print is a warning.
func printersResult(ps []Printer) Result {
	if len(ps) == 0 {
		return result(Warn, "No printers are set up on this computer. Add one before printing.")
	}
	var parts []string
	offline, stuck := false, false
	for _, p := range ps {
		d := ""
		if p.Default {
			d = ", default"
		}
		parts = append(parts, fmt.Sprintf("%s (%s%s)", p.Name, p.State, d))
		switch p.State {
		case printerIdle, printerPrinting:
		case printerOffline:
			offline = true
		default:
			stuck = true
		}
	}
	detail := "Printers: " + strings.Join(parts, ", ") + "."
	if offline {
		detail += " A printer marked offline will not print until it is back on line."
	}
	if stuck {
		detail += " A printer that is paused or needs attention (paper, toner, a jam) will not print until that is sorted out."
	}
	if offline || stuck {
		return Result{Status: Warn, Detail: detail, Data: ps}
	}
	return Result{Status: OK, Detail: detail, Data: ps}
}

// printQueueResult says how many print jobs are waiting.
func printQueueResult(n int) Result {
	switch n {
	case 0:
		return Result{Status: OK, Detail: "No print jobs are waiting.", Data: 0}
	case 1:
		return Result{Status: Warn, Detail: "1 print job is waiting.", Data: 1}
	}
	return Result{Status: Warn, Detail: fmt.Sprintf("%d print jobs are waiting.", n), Data: n}
}

// clearedMessage tells the person what clearing the queue did: before jobs
// were waiting, left are still there (other people's).
func clearedMessage(before, left int) string {
	switch {
	case before == 0:
		return "There were no print jobs waiting."
	case left > 0:
		return fmt.Sprintf("Cancelled %d print job(s); %d belong to someone else and are still waiting.", before-left, left)
	}
	return fmt.Sprintf("Cancelled %d print job(s). The queue is empty.", before)
}

// Battery charging states, in the words of Linux's power_supply class.
const (
	batteryCharging    = "Charging"
	batteryFull        = "Full"
	batteryNotCharging = "Not charging"
	batteryDischarging = "Discharging"
)

// batteryState is the system battery (the first, if several) and whether a
// charger is plugged in.
type batteryState struct {
	Present   bool
	Percent   int
	Status    string
	PluggedIn bool
}

// batteryResult judges the battery.
func batteryResult(b batteryState) Result {
	if !b.Present {
		return result(OK, "This computer has no battery (it runs from the mains).")
	}
	data := map[string]any{"percent": b.Percent, "status": b.Status, "plugged_in": b.PluggedIn}
	switch {
	case b.Status == batteryCharging:
		return Result{Status: OK, Detail: fmt.Sprintf("The battery is at %d%% and charging.", b.Percent), Data: data}
	case b.Status == batteryFull:
		return Result{Status: OK, Detail: "The battery is full.", Data: data}
	case b.PluggedIn && b.Status == batteryNotCharging && b.Percent >= 75:
		return Result{Status: OK, Detail: fmt.Sprintf("The battery is at %d%%; the computer is plugged in and holding the charge to protect the battery.", b.Percent), Data: data}
	case b.PluggedIn:
		return Result{Status: Fail, Detail: fmt.Sprintf("The charger is plugged in but the battery (%d%%) is not charging. Try another socket or charger.", b.Percent), Data: data}
	case b.Percent < 15:
		return Result{Status: Warn, Detail: fmt.Sprintf("The battery is low (%d%%) and not plugged in.", b.Percent), Data: data}
	}
	return Result{Status: OK, Detail: fmt.Sprintf("The battery is at %d%% and running on battery power.", b.Percent), Data: data}
}
