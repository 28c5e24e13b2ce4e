package guide

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// VariablesFile is the name of the organisation variables file in a guide
// folder (as the relay exports a pack): a mapping of variable name to
// value. It is not a guide; the guide loader skips it.
const VariablesFile = "variables.yaml"

// MaxVarValue caps one variable value, in bytes.
const MaxVarValue = 500

// VarDescriptions says what each known variable is for, by name.
func VarDescriptions() map[string]string {
	return map[string]string{
		"helpdesk_name":       "What people call the help desk",
		"helpdesk_phone":      "The help desk's phone number",
		"helpdesk_email":      "The help desk's email address",
		"helpdesk_hours":      "When the help desk answers",
		"password_portal_url": "Where people reset their password",
		"software_portal_url": "Where people install approved software",
		"status_page_url":     "The IT status page",
		"vpn_name":            "The name of the VPN app",
		"wifi_name":           "The organisation's Wi-Fi network",
		"guest_wifi_name":     "The guest Wi-Fi network",
		"mfa_app":             "The authenticator app people use",
		"mfa_setup_url":       "Where people set up sign-in security",
		"cloud_storage":       "The work cloud storage",
		"mail_web_url":        "Web mail in the browser",
		"recovery_key_url":    "Where people find a disk recovery key",
	}
}

// CheckVars reports the problems of organisation variables: a name that
// is not one of DefaultVars' (guides could not use it), a value longer
// than MaxVarValue or on several lines. file names the source in problems;
// lines maps a name to its line (0 when unknown).
func CheckVars(file string, vars Vars, lines map[string]int) []Problem {
	known := DefaultVars()
	var probs []Problem
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		v := vars[name]
		add := func(format string, args ...any) {
			probs = append(probs, Problem{File: file, Line: lines[name], Message: fmt.Sprintf(format, args...)})
		}
		switch {
		case known[name] == "":
			add("unknown variable %q (one of %s)", name, strings.Join(slices.Sorted(maps.Keys(known)), ", "))
		case len(v) > MaxVarValue:
			add("variable %q is %d bytes, longer than %d", name, len(v), MaxVarValue)
		case strings.ContainsAny(v, "\r\n"):
			add("variable %q must be on one line", name)
		}
	}
	SortProblems(probs)
	return probs
}

// ParseVariables reads a VariablesFile: a mapping of known variable names
// to one-line text values. Problems carry their line.
func ParseVariables(file string, data []byte) (Vars, []Problem) {
	if len(data) > MaxFileSize {
		return nil, []Problem{{File: file, Message: fmt.Sprintf("file is %d bytes, larger than the %d-byte limit", len(data), MaxFileSize)}}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlProblems(file, err)
	}
	vars := Vars{}
	if len(doc.Content) == 0 {
		return vars, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, []Problem{{File: file, Line: root.Line, Message: "variables must be a mapping of name: value"}}
	}
	lines := map[string]int{}
	var probs []Problem
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			probs = append(probs, Problem{File: file, Line: v.Line, Message: fmt.Sprintf("variable %q must be text", k.Value)})
			continue
		}
		if _, dup := vars[k.Value]; dup {
			probs = append(probs, Problem{File: file, Line: k.Line, Message: fmt.Sprintf("variable %q is set twice", k.Value)})
			continue
		}
		vars[k.Value], lines[k.Value] = v.Value, k.Line
	}
	probs = append(probs, CheckVars(file, vars, lines)...)
	SortProblems(probs)
	return vars, probs
}
