package episode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/bangumi/chii/domain/phpserialize"
)

// Status is a user's mark on an episode (chii_ep_status entries).
type Status uint8

// The marks; StatusNone is "no entry".
const (
	StatusNone    Status = 0
	StatusWish    Status = 1 // 想看
	StatusDone    Status = 2 // 看过
	StatusDropped Status = 3 // 抛弃
)

// Mark is one entry of a user's progress: its status, and when each status was set (unix
// seconds). UpdatedAt is nil for an entry of legacy (PHP) data, which kept no times.
type Mark struct {
	Status    Status
	UpdatedAt map[Status]int64
}

// Progress is a user's marks on the episodes of one subject, by episode id: the
// ep_stt_status column of its chii_ep_status row (nil when there is no row).
type Progress map[uint32]Mark

// Of returns the API view of the mark on episode id: its status (StatusNone without an entry)
// and the time that status was set (0 when unknown).
func (p Progress) Of(id uint32) (Status, int64) {
	m, ok := p[id]
	if !ok {
		return StatusNone, 0
	}
	return m.Status, m.UpdatedAt[m.Status]
}

// ErrCorrupt is wrapped by the errors of DecodeProgress: a stored value it cannot read.
var ErrCorrupt = errors.New("corrupt episode progress")

// DecodeProgress reads a stored ep_stt_status value (§4.1): "" and "[]" are no marks; a value
// starting with "a:" is PHP serialize() data (entries {eid, type}, no times); anything else is
// JSON ({"<id>": {"eid": "<id>", "type": 2, "updated_at": {"2": 1700000000} or null}}). Keys
// are the episode ids. A value it cannot decode, or a status outside 0–3, is an error
// wrapping ErrCorrupt.
func DecodeProgress(raw []byte) (Progress, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "[]":
		return Progress{}, nil
	case bytes.HasPrefix(raw, []byte("a:")):
		return decodePHP(string(raw))
	default:
		return decodeJSON(raw)
	}
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

func episodeID(key string) (uint32, error) {
	id, err := strconv.ParseUint(key, 10, 32)
	if err != nil || id == 0 {
		return 0, corrupt("episode id %q", key)
	}
	return uint32(id), nil
}

func status(n int64) (Status, error) {
	if n < int64(StatusNone) || n > int64(StatusDropped) {
		return 0, corrupt("status %d", n)
	}
	return Status(n), nil
}

func decodePHP(s string) (Progress, error) {
	v, err := phpserialize.Unmarshal(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	arr, ok := v.(*phpserialize.Array)
	if !ok {
		return nil, corrupt("PHP value %T, want an array", v)
	}
	out := make(Progress, len(arr.Members))
	for _, m := range arr.Members {
		id, err := episodeID(m.Key)
		if err != nil {
			return nil, err
		}
		entry, ok := m.Value.(*phpserialize.Array)
		if !ok {
			return nil, corrupt("entry of episode %d is %T", id, m.Value)
		}
		t, _ := entry.Get("type")
		n, ok := t.(int64)
		if !ok {
			return nil, corrupt("type of episode %d is %T", id, t)
		}
		st, err := status(n)
		if err != nil {
			return nil, err
		}
		out[id] = Mark{Status: st}
	}
	return out, nil
}

type jsonMark struct {
	Type      int64            `json:"type"` // absent: 0, no mark, as bangumi's reader has it
	UpdatedAt map[string]int64 `json:"updated_at"`
}

func decodeJSON(raw []byte) (Progress, error) {
	var entries map[string]jsonMark
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	out := make(Progress, len(entries))
	for key, e := range entries {
		id, err := episodeID(key)
		if err != nil {
			return nil, err
		}
		st, err := status(e.Type)
		if err != nil {
			return nil, err
		}
		m := Mark{Status: st}
		if e.UpdatedAt != nil {
			m.UpdatedAt = make(map[Status]int64, len(e.UpdatedAt))
			for k, at := range e.UpdatedAt {
				n, err := strconv.ParseInt(k, 10, 64)
				if err != nil {
					return nil, corrupt("updated_at key %q of episode %d", k, id)
				}
				s, err := status(n)
				if err != nil {
					return nil, err
				}
				m.UpdatedAt[s] = at
			}
		}
		out[id] = m
	}
	return out, nil
}

// Mark sets status on the episodes ids at now (unix seconds), as the episode collection writes
// do (§6.3 with N1): StatusNone removes their entries; otherwise a missing entry is added, an
// entry with another status takes the new one, and either records now as the time of the
// status; an entry that already has the status is left alone. It reports whether p changed.
func (p Progress) Mark(ids []uint32, status Status, now int64) (changed bool) {
	for _, id := range ids {
		m, ok := p[id]
		switch {
		case status == StatusNone:
			if ok {
				delete(p, id)
				changed = true
			}
		case ok && m.Status == status:
		default:
			at := make(map[Status]int64, len(m.UpdatedAt)+1)
			for k, v := range m.UpdatedAt {
				at[k] = v
			}
			at[status] = now
			p[id] = Mark{Status: status, UpdatedAt: at}
			changed = true
		}
	}
	return changed
}

type storedMark struct {
	EID       string           `json:"eid"`
	Type      Status           `json:"type"`
	UpdatedAt map[string]int64 `json:"updated_at"` // null for an entry of legacy data
}

// EncodeProgress writes p the way the episode collection writes store it (§4.1): a JSON object
// keyed by the episode id as a decimal string (keys sorted as strings), each entry with the id
// again as a string, its status and updated_at (status → unix second, or null). No marks is
// "{}".
func EncodeProgress(p Progress) []byte {
	out := make(map[string]storedMark, len(p))
	for id, m := range p {
		key := strconv.FormatUint(uint64(id), 10)
		sm := storedMark{EID: key, Type: m.Status}
		if m.UpdatedAt != nil {
			sm.UpdatedAt = make(map[string]int64, len(m.UpdatedAt))
			for st, at := range m.UpdatedAt {
				sm.UpdatedAt[strconv.Itoa(int(st))] = at
			}
		}
		out[key] = sm
	}
	b, _ := json.Marshal(out) // strings and numbers always encode
	return b
}
