package timeline

import (
	"encoding/json"
	"strconv"

	"github.com/bangumi/chii/domain"
)

// Event is the decoded payload of one timeline message: *Subject, *ProgressEpisode,
// *ProgressSubject, *Mono, *Daily, *Wiki, *StatusSign, *StatusTsukkomi or *StatusNickname.
// The set is closed (unexported methods); Previous and Plan apply its rules.
type Event interface {
	// Op is the message's "op".
	Op() string
	// User is the acting user (tml_uid).
	User() uint32

	validate() error
	previous() (Filter, bool)
	plan(prev *Row) (Write, error)
}

// SubjectRef names a subject and its type (1 book, 2 anime, 3 music, 4 game, 6 real).
type SubjectRef struct {
	ID   uint32 `json:"id"`
	Type uint8  `json:"type"`
}

// Collect is the collection of op subject: its id (interest_id), type (1 wish, 2 collect,
// 3 doing, 4 on hold, 5 dropped), rate and comment.
type Collect struct {
	ID      uint32 `json:"id"`
	Type    uint8  `json:"type"`
	Rate    uint8  `json:"rate"`
	Comment string `json:"comment"`
}

// Subject is op "subject": a user collected a subject.
type Subject struct {
	UID       uint32     `json:"uid"`
	Subject   SubjectRef `json:"subject"`
	Collect   Collect    `json:"collect"`
	CreatedAt int64      `json:"createdAt"` // unix seconds
	Source    uint8      `json:"source"`
}

// Episode is the episode of op progressEpisode and its status (1 wish, 2 done, 3 dropped).
type Episode struct {
	ID     uint32 `json:"id"`
	Status uint8  `json:"status"`
}

// ProgressEpisode is op "progressEpisode": a user marked an episode.
type ProgressEpisode struct {
	UID       uint32     `json:"uid"`
	Subject   SubjectRef `json:"subject"`
	Episode   Episode    `json:"episode"`
	CreatedAt int64      `json:"createdAt"`
	Source    uint8      `json:"source"`
}

// SubjectTotals is the subject of op progressSubject with its episode and volume totals.
type SubjectTotals struct {
	ID      uint32 `json:"id"`
	Type    uint8  `json:"type"`
	Eps     uint32 `json:"eps"`
	Volumes uint32 `json:"volumes"`
}

// Progress is the new progress of op progressSubject; an absent field is nil.
type Progress struct {
	EpsUpdate  *uint32 `json:"epsUpdate,omitempty"`
	VolsUpdate *uint32 `json:"volsUpdate,omitempty"`
}

// ProgressSubject is op "progressSubject": a user updated a subject's episode or volume progress.
type ProgressSubject struct {
	UID       uint32        `json:"uid"`
	Subject   SubjectTotals `json:"subject"`
	Collect   Progress      `json:"collect"`
	CreatedAt int64         `json:"createdAt"`
	Source    uint8         `json:"source"`
}

// Daily is op "daily": Type is one of the Daily* constants, MID the related id (friend uid,
// group id or eden id).
type Daily struct {
	UID       uint32 `json:"uid"`
	Type      uint8  `json:"type"`
	MID       uint32 `json:"mid"`
	CreatedAt int64  `json:"createdAt"`
	Source    uint8  `json:"source"`
}

// Wiki is op "wiki": a user created a subject.
type Wiki struct {
	UID       uint32     `json:"uid"`
	Subject   SubjectRef `json:"subject"`
	CreatedAt int64      `json:"createdAt"`
	Source    uint8      `json:"source"`
}

// StatusSign is op "statusSign": a user changed their signature.
type StatusSign struct {
	UID       uint32 `json:"uid"`
	Sign      string `json:"sign"`
	CreatedAt int64  `json:"createdAt"`
	Source    uint8  `json:"source"`
}

// StatusTsukkomi is op "statusTsukkomi": a user posted a short status (吐槽).
type StatusTsukkomi struct {
	UID       uint32 `json:"uid"`
	Text      string `json:"text"`
	CreatedAt int64  `json:"createdAt"`
	Source    uint8  `json:"source"`
}

// StatusNickname is op "statusNickname": a user changed their nickname.
type StatusNickname struct {
	UID       uint32 `json:"uid"`
	Before    string `json:"before"`
	After     string `json:"after"`
	CreatedAt int64  `json:"createdAt"`
	Source    uint8  `json:"source"`
}

// Op and User of every Event.

func (*Subject) Op() string         { return OpSubject }
func (*ProgressEpisode) Op() string { return OpProgressEpisode }
func (*ProgressSubject) Op() string { return OpProgressSubject }
func (*Mono) Op() string            { return OpMono }
func (*Daily) Op() string           { return OpDaily }
func (*Wiki) Op() string            { return OpWiki }
func (*StatusSign) Op() string      { return OpStatusSign }
func (*StatusTsukkomi) Op() string  { return OpStatusTsukkomi }
func (*StatusNickname) Op() string  { return OpStatusNickname }

func (m *Subject) User() uint32         { return m.UID }
func (m *ProgressEpisode) User() uint32 { return m.UID }
func (m *ProgressSubject) User() uint32 { return m.UID }
func (m *Mono) User() uint32            { return m.UID }
func (m *Daily) User() uint32           { return m.UID }
func (m *Wiki) User() uint32            { return m.UID }
func (m *StatusSign) User() uint32      { return m.UID }
func (m *StatusTsukkomi) User() uint32  { return m.UID }
func (m *StatusNickname) User() uint32  { return m.UID }

// Decode reads a Kafka value {"op": …, "message": {…}} into the Event of its op.
// Anything that cannot be written is an error of kind domain.ErrInvalid (a poison message):
// a value that is not such JSON, an unknown op, a message whose fields have the wrong JSON
// types, a missing uid, and the rejected inputs of each op (see Plan). Unknown fields are
// ignored.
func Decode(value []byte) (Event, error) {
	var env struct {
		Op      *string         `json:"op"`
		Message json.RawMessage `json:"message"`
	}
	if err := json.Unmarshal(value, &env); err != nil {
		return nil, domain.Errorf(domain.ErrInvalid, "timeline: value is not a JSON {\"op\",\"message\"} object: %v", err)
	}
	if env.Op == nil {
		return nil, domain.Errorf(domain.ErrInvalid, "timeline: value has no op")
	}
	var e Event
	switch *env.Op {
	case OpSubject:
		e = &Subject{}
	case OpProgressEpisode:
		e = &ProgressEpisode{}
	case OpProgressSubject:
		e = &ProgressSubject{}
	case OpMono:
		e = &Mono{}
	case OpDaily:
		e = &Daily{}
	case OpWiki:
		e = &Wiki{}
	case OpStatusSign:
		e = &StatusSign{}
	case OpStatusTsukkomi:
		e = &StatusTsukkomi{}
	case OpStatusNickname:
		e = &StatusNickname{}
	default:
		return nil, domain.Errorf(domain.ErrInvalid, "timeline: unknown op %q", *env.Op)
	}
	if len(env.Message) == 0 {
		return nil, domain.Errorf(domain.ErrInvalid, "timeline: op %s: no message", e.Op())
	}
	if err := json.Unmarshal(env.Message, e); err != nil {
		return nil, domain.Errorf(domain.ErrInvalid, "timeline: op %s: %v", e.Op(), err)
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	return e, nil
}

// Encode builds the Kafka message of e the way bangumi's producers do: key = the user id in
// decimal, value = {"op","message"} with the fields in the order of the Go types above and no
// HTML escaping.
func Encode(e Event) (Message, error) {
	v, err := marshal(envelope{Op: e.Op(), Message: e})
	if err != nil {
		return Message{}, err
	}
	return Message{Key: []byte(strconv.FormatUint(uint64(e.User()), 10)), Value: v}, nil
}

func invalid(e Event, format string, args ...any) error {
	return domain.Errorf(domain.ErrInvalid, "timeline: op "+e.Op()+": "+format, args...)
}

func requireUID(e Event) error {
	if e.User() == 0 {
		return invalid(e, "uid is missing or 0")
	}
	return nil
}

func (m *Subject) validate() error {
	if err := requireUID(m); err != nil {
		return err
	}
	_, err := subjectCollectionType(m)
	return err
}

func (m *ProgressEpisode) validate() error {
	if err := requireUID(m); err != nil {
		return err
	}
	if m.Episode.Status == 0 {
		return invalid(m, "episode status is none")
	}
	return nil
}

func (m *ProgressSubject) validate() error { return requireUID(m) }
func (m *Mono) validate() error            { return requireUID(m) }

func (m *Daily) validate() error {
	if err := requireUID(m); err != nil {
		return err
	}
	if m.Type > DailyJoinEden {
		return invalid(m, "unsupported daily type %d", m.Type)
	}
	return nil
}

func (m *Wiki) validate() error           { return requireUID(m) }
func (m *StatusSign) validate() error     { return requireUID(m) }
func (m *StatusTsukkomi) validate() error { return requireUID(m) }
func (m *StatusNickname) validate() error { return requireUID(m) }
