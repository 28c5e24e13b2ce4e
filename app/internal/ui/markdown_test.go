package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/widget"
)

func TestUnwrapMarkdown(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"paragraph", "If it's not connected, open the app. If it\nwon't connect, call us\nat once.", "If it's not connected, open the app. If it won't connect, call us at once."},
		{"paragraphs stay apart", "One\nline.\n\nTwo\nlines.", "One line.\n\nTwo lines."},
		{"list item continuation", "1. Press **Windows + E** to open\n   File Explorer.\n2. Click **This PC**.", "1. Press **Windows + E** to open File Explorer.\n2. Click **This PC**."},
		{"bullets", "- one\n- two\n  more", "- one\n- two more"},
		{"paragraph then list", "Do this:\n- one", "Do this:\n- one"},
		{"hard break kept", "Line one  \nline two", "Line one  \nline two"},
		{"backslash break kept", "Line one\\\nline two", "Line one\\\nline two"},
		{"heading kept", "# Title\ntext\nmore", "# Title\ntext more"},
		{"code kept", "```\na\nb\n```\nafter\nthis", "```\na\nb\n```\nafter this"},
		{"quote", "> quoted\n> more", "> quoted\n> more"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := unwrapMarkdown(tt.in); got != tt.want {
				t.Errorf("unwrapMarkdown(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestKeepPunctuationWithWord(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"If it's been **days**, a restart helps.", "If it's been |days,| a restart helps."},
		{"Click **Quit**.", "Click |Quit.|"},
		{"(or **Show preview**) for them", "(or |Show preview)| for them"},
		{"Type `passwd`: it asks", "Type |passwd:| it asks"},
		{"**Bold** then words", "|Bold| then words"},
		{"plain, text.", "plain, text."},
	} {
		rt := widget.NewRichTextFromMarkdown(tt.in)
		keepPunctuationWithWord(rt.Segments)
		var got strings.Builder
		for _, s := range rt.Segments {
			ts, ok := s.(*widget.TextSegment)
			if !ok {
				t.Fatalf("%q: segment %T", tt.in, s)
			}
			if plain(ts.Style) {
				got.WriteString(ts.Text)
			} else {
				got.WriteString("|" + ts.Text + "|")
			}
		}
		if got.String() != tt.want {
			t.Errorf("%q gives %q, want %q", tt.in, got.String(), tt.want)
		}
	}
}

func TestSplitWords(t *testing.T) {
	for in, want := range map[string][]string{
		"a b  c":    {"a ", "b  ", "c"},
		" lists it": {" ", "lists ", "it"},
		"one":       {"one"},
		"end ":      {"end "},
		"":          nil,
	} {
		if got := splitWords(in); !slices.Equal(got, want) {
			t.Errorf("splitWords(%q) = %q, want %q", in, got, want)
		}
	}
}
