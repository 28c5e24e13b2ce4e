package protocol

// SessionAway tells the desktop that the technician's console went away
// (a reloaded tab, a lost network): the session stays, and ends with
// EndTechnicianLost unless a console of the technician comes back within
// GraceSeconds.
type SessionAway struct {
	GraceSeconds int `json:"grace_seconds"`
}

// SessionResume tells the desktop that the technician's console is back
// (again connected to the relay). What the user allowed still holds: the
// console asks for a new offer with signal.restart once viewing was
// granted; nobody is asked again.
type SessionResume struct {
	// AwaySeconds is how long no console of the technician was connected
	// (0: a new console joined while another was still connected).
	AwaySeconds int `json:"away_seconds,omitempty"`
}
