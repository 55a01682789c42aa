package canal

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/bangumi/chii/domain"
	"github.com/bangumi/chii/ports"
)

// MembersTable is the table MemberReactions handles.
const MembersTable = "chii_members"

// RevokeMargin is how long after a password change a session counts as created before it:
// sessions created up to the change time plus this are revoked. It covers the clocks of the
// website (which stamps created_at) and of MySQL (which stamps the change) being apart, and
// the session the website opens with the change itself, as bangumi's worker (which revokes
// whatever exists when it handles the event) did; a login later than that survives a
// redelivery of the change.
const RevokeMargin = time.Minute

// MemberReactions are what an update of a chii_members row sets off besides cached answers
// (canal-worker spec §5). The three checks are independent; all may fire for one event.
//
//   - password_crypt changed: the user's web sessions (created up to the change + RevokeMargin)
//     are expired in Sessions and their copies dropped from SessionCache;
//   - new_notify changed: Notifier publishes the new count;
//   - avatar changed: the resized copies of the new avatar are deleted from Images (nil: not
//     configured, nothing purged).
//
// Unlike bangumi's worker, which logged and dropped failures, every failure is returned so
// that the event is retried: nothing is lost, and each reaction is idempotent (the revoke
// keeps later logins, the PUBLISH of a count and the purge of a prefix may repeat).
type MemberReactions struct {
	Sessions     ports.WebSessionRepository
	SessionCache ports.WebSessionCache
	Notifier     ports.UserNotifier
	Images       ports.ImageStore // nil: avatars are not purged
	Now          func() time.Time // nil: time.Now
	Logger       *slog.Logger
}

// Handler returns the batch handler of MembersTable: the events of a batch in order.
func (r *MemberReactions) Handler() BatchTableHandler {
	return func(ctx context.Context, events []Event) error {
		for _, e := range events {
			if err := r.Handle(ctx, e); err != nil {
				return fmt.Errorf("canal: %s event at %s/%d/%d: %w", e.Table, e.Msg.Topic, e.Msg.Partition, e.Msg.Offset, err)
			}
		}
		return nil
	}
}

// memberRow is what the reactions read of a chii_members row image.
type memberRow struct {
	PasswordCrypt string `json:"password_crypt"`
	NewNotify     uint16 `json:"new_notify"`
	Avatar        string `json:"avatar"`
}

// Handle reacts to one event of chii_members. Only updates (u) set anything off; c, d and r
// are no-ops. An event without a usable uid or with row images that are not members' is an
// error of kind domain.ErrInvalid (it can never be processed).
func (r *MemberReactions) Handle(ctx context.Context, e Event) error {
	if e.Op != "u" {
		return nil
	}
	uid, err := eventID(e, "uid")
	if err != nil {
		return domain.Errorf(domain.ErrInvalid, "member event without a usable uid: %v", err)
	}
	before, err := decodeMember(e.Before)
	if err != nil {
		return domain.Errorf(domain.ErrInvalid, "member %d: before: %v", uid, err)
	}
	after, err := decodeMember(e.After)
	if err != nil {
		return domain.Errorf(domain.ErrInvalid, "member %d: after: %v", uid, err)
	}
	logger := r.logger().With("uid", uid, "topic", e.Msg.Topic, "partition", e.Msg.Partition, "offset", e.Msg.Offset)

	if before.PasswordCrypt != after.PasswordCrypt {
		createdBy := time.Time{}
		if at := changeTime(e); !at.IsZero() {
			createdBy = at.Add(RevokeMargin)
		}
		keys, err := r.Sessions.Revoke(ctx, uid, createdBy, r.now())
		if err != nil {
			return fmt.Errorf("revoke the web sessions of member %d: %w", uid, err)
		}
		if err := r.SessionCache.Forget(ctx, keys...); err != nil {
			return fmt.Errorf("drop the cached web sessions of member %d: %w", uid, err)
		}
		logger.Info("canal: password changed, web sessions revoked", "sessions", len(keys))
	}
	if before.NewNotify != after.NewNotify {
		if err := r.Notifier.NewNotifications(ctx, uid, after.NewNotify); err != nil {
			return fmt.Errorf("publish the notification count of member %d: %w", uid, err)
		}
	}
	if before.Avatar != after.Avatar && r.Images != nil {
		prefix, ok := AvatarPrefix(after.Avatar)
		if !ok {
			logger.Warn("canal: avatar changed to one without a path; nothing purged", "avatar", after.Avatar)
			return nil
		}
		n, err := r.Images.DeletePrefix(ctx, prefix)
		if err != nil {
			return fmt.Errorf("purge the resized avatars %s* of member %d: %w", prefix, uid, err)
		}
		logger.Info("canal: avatar changed, resized copies purged", "prefix", prefix, "deleted", n)
	}
	return nil
}

// decodeMember reads a members row image; an absent or null image is an error (an update
// has both).
func decodeMember(img json.RawMessage) (memberRow, error) {
	var row *memberRow
	if len(img) == 0 {
		return memberRow{}, fmt.Errorf("no row image")
	}
	if err := json.Unmarshal(img, &row); err != nil {
		return memberRow{}, err
	}
	if row == nil {
		return memberRow{}, fmt.Errorf("row image is null")
	}
	return *row, nil
}

// AvatarPrefix is the key prefix of the resized copies of avatar (a chii_members.avatar,
// "000/00/00/1.jpg?r=1&hd=1") in the img-resize bucket: /pic/user/l/<path without the query>,
// under /hd when the query has hd=1 (canal-worker spec §5). ok is false for an avatar
// without a path (none, or only a query): its prefix would name every avatar.
func AvatarPrefix(avatar string) (prefix string, ok bool) {
	path, query, _ := strings.Cut(avatar, "?")
	if strings.Trim(path, "/") == "" {
		return "", false
	}
	prefix = "/pic/user/l/" + path
	if q, err := url.ParseQuery(query); err == nil && q.Get("hd") == "1" {
		prefix = "/hd" + prefix
	}
	return prefix, true
}

// changeTime is when the change of e was made: the value's source.ts_ms (the binlog's time),
// else its ts_ms (when Debezium read it), else the message's time; zero when none is known.
func changeTime(e Event) time.Time {
	var v struct {
		Source struct {
			TsMs int64 `json:"ts_ms"`
		} `json:"source"`
		TsMs int64 `json:"ts_ms"`
	}
	if json.Unmarshal(unwrapPayload(e.Msg.Value), &v) == nil {
		switch {
		case v.Source.TsMs > 0:
			return time.UnixMilli(v.Source.TsMs)
		case v.TsMs > 0:
			return time.UnixMilli(v.TsMs)
		}
	}
	return e.Msg.Time
}

func (r *MemberReactions) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *MemberReactions) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.New(slog.DiscardHandler)
}
