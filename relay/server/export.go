package server

// Exports: the session and audit lists as a JSON or CSV download.

import (
	"encoding/csv"
	"net/http"
	"strings"
)

// exportFormat reads the format of an export (?format=csv or json) and
// names the download name.format; otherwise it answers 400 and returns false.
func exportFormat(w http.ResponseWriter, r *http.Request, name string) (string, bool) {
	format := r.URL.Query().Get("format")
	if format != "csv" && format != "json" {
		writeError(w, http.StatusBadRequest, apiBadRequest, "format must be csv or json")
		return "", false
	}
	w.Header().Set("Content-Disposition", "attachment; filename="+name+"."+format)
	return format, true
}

// csvTable is how records of one kind are written as CSV.
type csvTable[T any] struct {
	header []string
	row    func(T) []string
}

// writeRecords writes recs as a JSON array, or for format "csv" as CSV:
// the header, then one spreadsheet-safe row per record.
func writeRecords[T any](w http.ResponseWriter, format string, recs []T, table csvTable[T]) {
	if format != "csv" {
		if recs == nil {
			recs = []T{}
		}
		writeJSON(w, http.StatusOK, recs)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	cw := csv.NewWriter(w)
	cw.Write(table.header)
	for _, x := range recs {
		cw.Write(csvSafe(table.row(x)))
	}
	cw.Flush()
}

// csvSafe neutralises spreadsheet formula injection in user-supplied cells.
func csvSafe(cells []string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}

// badFilter answers a list or export request whose filter does not parse.
func badFilter(w http.ResponseWriter, err error) {
	writeError(w, http.StatusBadRequest, apiBadRequest, "bad filter: "+err.Error())
}
