package guide

import "testing"

func TestVarsNote(t *testing.T) {
	note := "Guide covered: airplane mode,\ncorrect network ({{wifi_name}}), a restart.\nCall {{helpdesk_phone}}.\n\nSecond paragraph {{vpn_name}}.\n"
	tests := []struct {
		name string
		in   string
		vars Vars
		want string
	}{
		{
			name: "nothing set: bracketed variable dropped, others neutral",
			in:   note,
			vars: nil,
			want: "Guide covered: airplane mode, correct network, a restart. Call the help desk's phone number.\n\nSecond paragraph the VPN app.",
		},
		{
			name: "set values are used, brackets kept",
			in:   note,
			vars: Vars{"wifi_name": "CorpNet", "helpdesk_phone": "+1 555 0100", "vpn_name": " "},
			want: "Guide covered: airplane mode, correct network (CorpNet), a restart. Call +1 555 0100.\n\nSecond paragraph the VPN app.",
		},
		{
			name: "unknown variable stays visible",
			in:   "see   {{nope}}",
			want: "see {{nope}}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.vars.Note(tt.in); got != tt.want {
				t.Errorf("Note() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
