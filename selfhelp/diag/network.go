package diag

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// checkInternet walks the chain from adapter to web server and reports the
// first broken link, so the person knows where the problem is.
func checkInternet(ctx context.Context, cfg *Config) Result {
	var chain []checkFunc
	checks := platformChecks()
	for _, name := range []string{CheckInterfaces, CheckRoute, CheckGateway, CheckDNS, CheckHTTPS} {
		if c, ok := checks[name]; ok {
			chain = append(chain, c.run)
		}
	}
	return internetChain(ctx, cfg, chain)
}

// internetChain runs the links of the chain in order and answers with the
// first broken one.
func internetChain(ctx context.Context, cfg *Config, chain []checkFunc) Result {
	var warn *Result
	tested, untested := 0, 0
	for _, c := range chain {
		r := c(ctx, cfg)
		switch r.Status {
		case Fail:
			return r
		case Warn:
			if warn == nil {
				warn = &r
			}
			tested++
		case OK:
			tested++
		default:
			untested++
		}
	}
	switch {
	case warn != nil:
		return *warn
	case tested == 0:
		return result(Unknown, "Lifeline could not test the connection on this computer.")
	case untested > 0:
		return result(OK, "The network adapter and the router are working. Lifeline has no test address to check the internet beyond them.")
	}
	return result(OK, "Everything from your network adapter to the internet is working.")
}

func checkInterfaces(_ context.Context, _ *Config) Result {
	ifs, err := net.Interfaces()
	if err != nil {
		return result(Unknown, "Lifeline could not list the network adapters: %v", err)
	}
	ads := make([]adapter, 0, len(ifs))
	for _, ifc := range ifs {
		a := adapter{Name: ifc.Name, Loopback: ifc.Flags&net.FlagLoopback != 0, Up: ifc.Flags&net.FlagUp != 0 && ifc.Flags&net.FlagRunning != 0}
		addrs, _ := ifc.Addrs()
		for _, addr := range addrs {
			if ipn, ok := addr.(*net.IPNet); ok {
				a.Addrs = append(a.Addrs, ipn.IP)
			}
		}
		ads = append(ads, a)
	}
	return interfacesResult(ads)
}

// target is the host the DNS and HTTPS checks use.
func target(cfg *Config) (host string, u *url.URL) {
	if cfg.HTTPSURL != "" {
		if parsed, err := url.Parse(cfg.HTTPSURL); err == nil && parsed.Host != "" {
			u = parsed
			host = parsed.Hostname()
		}
	}
	if cfg.DNSName != "" {
		host = cfg.DNSName
	}
	return host, u
}

func checkDNS(ctx context.Context, cfg *Config) Result {
	host, _ := target(cfg)
	if host == "" {
		return result(Unknown, "No help desk address is set up, so Lifeline cannot test this.")
	}
	if ip := net.ParseIP(host); ip != nil {
		return Result{Status: OK, Detail: "The help desk's address needs no look-up.", Technical: fmt.Sprintf("DNS: %s is an IP address; nothing to resolve.", host)}
	}
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return Result{Status: Fail, Detail: "This computer could not find the help desk by its name. Finding websites by name is not working on this network, or the address in Settings is wrong.",
				Technical: fmt.Sprintf("DNS: %s not found (NXDOMAIN).", host)}
		}
		return Result{Status: Fail, Detail: "This computer could not look up the help desk's name: finding websites by name is not working on this network.",
			Technical: fmt.Sprintf("DNS: looking up %s failed: %v.", host, err)}
	}
	return Result{Status: OK, Detail: "This computer found the help desk by its name.", Technical: fmt.Sprintf("DNS: %s → %s.", host, strings.Join(addrs, ", ")), Data: addrs}
}

func checkHTTPS(ctx context.Context, cfg *Config) Result {
	_, u := target(cfg)
	if u == nil {
		return result(Unknown, "No help desk address is set up, so Lifeline cannot test the connection to it.")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u.String(), nil)
	if err != nil {
		return Result{Status: Unknown, Detail: "The help desk address in Settings is not valid.", Technical: fmt.Sprintf("HEAD %q: %v.", cfg.HTTPSURL, err)}
	}
	plain := ""
	if u.Scheme == "http" {
		plain = " (plain HTTP, not encrypted)"
	}
	client := &http.Client{Timeout: cfg.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		var certErr *tls.CertificateVerificationError
		if errors.As(err, &certErr) {
			return Result{Status: Warn, Detail: "The help desk answered, but its security certificate was not accepted. A hotel or guest network sign-in page, a proxy, or a wrong clock can cause this.",
				Technical: fmt.Sprintf("HEAD %s: %v.", u, err)}
		}
		return Result{Status: Fail, Detail: "The help desk could not be reached from this computer. Websites may not load either until this works.",
			Technical: fmt.Sprintf("HEAD %s%s: %v.", u, plain, err)}
	}
	resp.Body.Close()
	ms := time.Since(start).Milliseconds()
	return Result{Status: OK, Detail: "The help desk answered.", Technical: fmt.Sprintf("HEAD %s%s: %s in %d ms.", u, plain, resp.Status, ms)}
}
