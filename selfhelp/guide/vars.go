package guide

import (
	"regexp"
	"strings"
)

// Vars are the organisation-specific values guides refer to as
// {{name}}: the help desk's phone number, the password portal and so on.
// Guides never hard-code an organisation's details.
type Vars map[string]string

// DefaultVars returns the neutral placeholders used until an organisation
// configures its own values; they read naturally inside a sentence. Each
// call returns a fresh map.
func DefaultVars() Vars {
	return Vars{
		"helpdesk_name":       "the IT help desk",
		"helpdesk_phone":      "the help desk's phone number",
		"helpdesk_email":      "the help desk's email address",
		"helpdesk_hours":      "office hours",
		"password_portal_url": "your organisation's password reset page",
		"software_portal_url": "your organisation's software catalog",
		"status_page_url":     "the IT status page",
		"vpn_name":            "the VPN app",
		"wifi_name":           "your organisation's Wi-Fi network",
		"guest_wifi_name":     "the guest Wi-Fi network",
		"mfa_app":             "your authenticator app",
		"mfa_setup_url":       "your organisation's sign-in security page",
		"cloud_storage":       "your work cloud storage",
		"mail_web_url":        "web mail in your browser",
		"recovery_key_url":    "your organisation's recovery key page",
	}
}

var varRef = regexp.MustCompile(`\{\{\s*([a-zA-Z0-9_.-]*)\s*\}\}`)

// Merge returns DefaultVars overridden by v's non-empty values.
func (v Vars) Merge() Vars {
	defaults := DefaultVars()
	out := make(Vars, len(defaults)+len(v))
	for k, val := range defaults {
		out[k] = val
	}
	for k, val := range v {
		if strings.TrimSpace(val) != "" {
			out[k] = val
		}
	}
	return out
}

// Expand replaces every {{name}} in s. Unknown names are left as they are,
// so a typo stays visible instead of silently vanishing; the linter reports
// them.
func (v Vars) Expand(s string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		name := varRef.FindStringSubmatch(m)[1]
		if val, ok := v[name]; ok {
			return val
		}
		return m
	})
}

// referencedVars lists the variable names used in s.
func referencedVars(s string) []string {
	var names []string
	for _, m := range varRef.FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	return names
}

// parenRef is a variable standing alone in brackets: "(… {{wifi_name}})".
var parenRef = regexp.MustCompile(`\s*\(\s*\{\{\s*([a-zA-Z0-9_.-]*)\s*\}\}\s*\)`)

// Note renders an author's note for the technician from v, the values the
// organisation actually set (not merged with the defaults). A note is
// written as one paragraph per blank line, so single line breaks become
// spaces. A variable the organisation left unset is dropped where it
// stands alone in brackets, "correct network ({{wifi_name}})" reading
// "correct network", and otherwise takes the neutral default: the
// technician is never shown a placeholder as if it were a value.
func (v Vars) Note(s string) string {
	set := func(name string) bool { return strings.TrimSpace(v[name]) != "" }
	s = parenRef.ReplaceAllStringFunc(s, func(m string) string {
		if name := parenRef.FindStringSubmatch(m)[1]; !set(name) {
			return ""
		}
		return m
	})
	s = v.Merge().Expand(s)
	paras := strings.Split(strings.TrimSpace(s), "\n\n")
	for i, p := range paras {
		paras[i] = strings.Join(strings.Fields(p), " ")
	}
	return strings.Join(paras, "\n\n")
}
