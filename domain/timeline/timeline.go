// Package timeline holds the messages bangumi's services put on the Kafka topic "timeline"
// and the rules for writing them into chii_timeline (timeline spec §2–§4):
//
//   - Decode turns a Kafka value {"op","message"} into a typed Event (one type per op);
//   - Previous tells which row an Event may merge into ("previous": the newest row of a filter);
//   - Plan turns an Event and that row into the Write to perform: insert a new row, or
//     update the previous one (the 10-minute merge).
//
// Memos are written as JSON, byte for byte as bangumi's TypeScript writer writes them
// (JSON.stringify of its object literals: key order, integer keys ascending, escaping); the
// memo of a previous row may be PHP-serialized (legacy rows) and is decoded here too, with
// domain/phpserialize (php.go).
package timeline

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Ops: the "op" of a Kafka value, one per message type.
const (
	OpSubject         = "subject"
	OpProgressEpisode = "progressEpisode"
	OpProgressSubject = "progressSubject"
	OpMono            = "mono"
	OpDaily           = "daily"
	OpWiki            = "wiki"
	OpStatusSign      = "statusSign"
	OpStatusTsukkomi  = "statusTsukkomi"
	OpStatusNickname  = "statusNickname"
)

// Sources (tml_source, the message's "source").
const (
	SourceWeb     uint8 = 0
	SourceMobile  uint8 = 1
	SourceOnAir   uint8 = 2
	SourceInTouch uint8 = 3
	SourceWP7     uint8 = 4
	SourceAPI     uint8 = 5
	SourceNext    uint8 = 6
	SourceChobits uint8 = 7
)

// Categories (tml_cat).
const (
	CatDaily    uint16 = 1
	CatWiki     uint16 = 2
	CatSubject  uint16 = 3
	CatProgress uint16 = 4
	CatStatus   uint16 = 5
	CatBlog     uint16 = 6
	CatIndex    uint16 = 7
	CatMono     uint16 = 8
	CatDoujin   uint16 = 9
)

// Daily types (tml_type of CatDaily, the "type" of op daily).
const (
	DailyMystery     uint8 = 0
	DailyRegister    uint8 = 1
	DailyAddFriend   uint8 = 2
	DailyJoinGroup   uint8 = 3
	DailyCreateGroup uint8 = 4
	DailyJoinEden    uint8 = 5
)

// Progress types (tml_type of CatProgress): 0 is a subject's progress, 1–3 an episode status.
const (
	ProgressTypeSubject uint16 = 0
	EpisodeWish         uint8  = 1
	EpisodeDone         uint8  = 2
	EpisodeDropped      uint8  = 3
)

// Status types (tml_type of CatStatus).
const (
	StatusTypeSign     uint16 = 0
	StatusTypeTsukkomi uint16 = 1
	StatusTypeNickname uint16 = 2
)

// MergeWindow is how recent (in seconds, strictly) a previous row must be for a message to merge into it.
const MergeWindow = 600

// Mono categories and types.
const (
	MonoCatCharacter uint8 = 1
	MonoCatPerson    uint8 = 2
	MonoTypeCreated  uint8 = 0
	MonoTypeCollect  uint8 = 1
)

// Message is one message of the timeline topic: Key is the acting user id, Value the JSON envelope.
type Message struct {
	Key   []byte
	Value []byte
}

// Mono is the payload of op "mono": a user created or collected a character or person.
type Mono struct {
	UID       uint32 `json:"uid"`
	Cat       uint8  `json:"cat"`
	Type      uint8  `json:"type"`
	ID        uint32 `json:"id"`
	Name      string `json:"name"`
	CreatedAt int64  `json:"createdAt"` // unix seconds
	Source    uint8  `json:"source"`
}

type envelope struct {
	Op      string `json:"op"`
	Message any    `json:"message"`
}

// Encode builds the Kafka message of m, byte-compatible with bangumi's producers
// (field order as they emit it, no HTML escaping).
func (m Mono) Encode() (Message, error) {
	v, err := marshal(envelope{Op: OpMono, Message: m})
	if err != nil {
		return Message{}, err
	}
	return Message{Key: []byte(strconv.FormatUint(uint64(m.UID), 10)), Value: v}, nil
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
