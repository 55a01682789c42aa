// Package timeline holds the messages bangumi's services put on the Kafka topic "timeline"
// and the rules for writing them into chii_timeline.
package timeline

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// Ops.
const (
	OpMono = "mono"
)

// Sources (tml_source).
const (
	SourceAPI  uint8 = 5
	SourceNext uint8 = 6
)

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
